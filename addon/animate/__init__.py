"""Keys on the rig: retargeted clips, face motion, squash-and-hop, motion and reference from video."""
