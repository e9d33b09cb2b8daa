"""Moved to `formats.char_cfg` (models/ writes the files, rig/ reads them). This name stays
only while branches written before the move are merged; new code imports `..formats.char_cfg`."""

from ..formats.char_cfg import (BOUNDING_BOX_KEYS, CharacterConfig, Joint, dump_bounding_box,  # noqa: F401
                                dump_char_cfg, load_bounding_box, load_char_cfg, parse_char_cfg,
                                save_bounding_box, save_char_cfg)
