"""WMS integration: lots and reels received, split, quarantined, issued; consumption out."""
