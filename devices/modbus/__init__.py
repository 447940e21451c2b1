"""Modbus TCP polling: a register map per device, read on a schedule, stored as process parameter samples.

`config` and `loader` describe and read the register map, `decoding` turns registers into numbers,
`plan` groups registers into as few requests as possible, `change_filter` drops unchanged values,
`poller` runs one asyncio task per device and `recorder` hands samples and health to the store.
`settings` is the TRACEBRIDGE_MODBUS_ section; `simulator` serves a register image on 127.0.0.1.
"""
