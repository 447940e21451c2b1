"""REST for production control and quality: interlock checks, holds, containment, yield, SPC."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.quality import containment, holds, interlock, spc, yields

router = APIRouter()
router.include_router(interlock.router)
router.include_router(holds.router)
router.include_router(containment.router)
router.include_router(yields.router)
router.include_router(spc.router)
