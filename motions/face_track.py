"""The performer's face mesh per video frame → the face rig's five controls over time (pure).

Measures, in a frame turned so the eyes are level (a tilted head changes none of them):
* eye openness: eyelid gap over eye width, both eyes averaged; `blink` is how far it fell
  from the performer's own open-eye level (the median over the video: eyes are open most of
  the time) toward `CLOSED_SHARE` of it;
* smile: how far the mouth corners sit above the inner upper lip (which an opening jaw does
  not move), over the mouth width, against the performer's median (a resting mouth is 0,
  whatever its shape);
* mouth_open: inner-lip gap over mouth width;
* gaze: the face mesh has no irises, so the head's turn stands for it: the nose tip's place
  between the cheek edges (yaw) and between the eye line and the mouth (pitch), each against
  its median.
Frames without a face are filled in from their neighbours. Smoothing is per control: blinks
last ~150 ms (4-5 frames at 30 fps), so `blink` is only lightly smoothed (sigma 30 ms), the
slower controls more (80 ms).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Face mesh indices (as models.face_landmarks): per eye upper lid, lower lid, inner and outer corner.
EYES = ((159, 145, 133, 33), (386, 374, 362, 263))
MOUTH = (61, 291, 13, 14)          # right corner, left corner, inner upper lip, inner lower lip
NOSE, RIGHT_CHEEK, LEFT_CHEEK = 1, 234, 454

CLOSED_SHARE = 0.35     # eye openness at this share of the open level counts as fully closed
SMILE_RANGE = 0.12      # corner lift (share of the mouth width) above the median for a full smile
MOUTH_GAP = (0.04, 0.55)  # inner-lip gap over mouth width: closed at or below, fully open at
YAW_RANGE = 0.35        # nose off the cheeks' middle by this share of the face width: gaze ±1
PITCH_RANGE = 0.25      # nose moved by this share of the eye-mouth distance: gaze ±1
MIN_FACE_SHARE = 0.3    # a video whose face is seen in fewer of its frames has no face track
SMOOTH_S = {"blink": 0.03, "smile": 0.08, "mouth_open": 0.08, "gaze_x": 0.08, "gaze_y": 0.08}
CONTROL_NAMES = tuple(SMOOTH_S)   # what a track holds: the face rig's five controls


@dataclass
class FaceTrack:
    times: np.ndarray                  # (T,) seconds, as the pose track's
    controls: dict[str, np.ndarray]    # control name → (T,) values in its range
    seen: np.ndarray                   # (T,) bool: the face was found on that frame


def level(points: np.ndarray) -> np.ndarray:
    """(T, 468, ≥2) → (T, 468, 2) turned per frame so the outer eye corners lie level."""
    xy = points[..., :2]
    eye_line = xy[:, EYES[1][3]] - xy[:, EYES[0][3]]
    angle = np.arctan2(eye_line[:, 1], eye_line[:, 0])[:, None]
    c, s = np.cos(-angle), np.sin(-angle)
    return np.stack([c * xy[..., 0] - s * xy[..., 1], s * xy[..., 0] + c * xy[..., 1]], axis=-1)


def measures(points: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame raw measures of (T, 468, ≥2) face meshes in image pixels (NaN where unseen)."""
    xy = level(points)

    def gap(a, b):
        return np.linalg.norm(xy[:, a] - xy[:, b], axis=-1)

    openness = np.mean([gap(up, low) / gap(inner, outer) for up, low, inner, outer in EYES], axis=0)
    right, left, upper, lower = MOUTH
    width = gap(right, left)
    lips_y = 0.5 * (xy[:, upper, 1] + xy[:, lower, 1])
    corners_y = 0.5 * (xy[:, right, 1] + xy[:, left, 1])
    cheeks = xy[:, [RIGHT_CHEEK, LEFT_CHEEK], 0]
    eyes_y = xy[:, [e[3] for e in EYES], 1].mean(axis=1)
    return {
        "openness": openness,
        "lift": (xy[:, upper, 1] - corners_y) / width,   # y runs down: corners above the lip > 0
        "mouth_gap": gap(upper, lower) / width,
        "yaw": (xy[:, NOSE, 0] - cheeks.mean(axis=1)) / (cheeks[:, 1] - cheeks[:, 0]),
        "pitch": (xy[:, NOSE, 1] - eyes_y) / (lips_y - eyes_y),
    }


def controls_from_measures(m: dict[str, np.ndarray], mirror: bool = False) -> dict[str, np.ndarray]:
    """The five controls from `measures`, calibrated on the performer's medians."""
    open_level = np.nanmedian(m["openness"])
    blink = (open_level - m["openness"]) / (open_level * (1.0 - CLOSED_SHARE))
    smile = (m["lift"] - np.nanmedian(m["lift"])) / SMILE_RANGE
    mouth_open = (m["mouth_gap"] - MOUTH_GAP[0]) / (MOUTH_GAP[1] - MOUTH_GAP[0])
    # The drawing faces the viewer as the performer does: a nose turned to the image's right
    # looks right as the viewer sees it; a nose nearer the eyes (pitch falls) looks up.
    gaze_x = (m["yaw"] - np.nanmedian(m["yaw"])) / YAW_RANGE * (-1.0 if mirror else 1.0)
    gaze_y = -(m["pitch"] - np.nanmedian(m["pitch"])) / PITCH_RANGE
    return {"blink": np.clip(blink, 0.0, 1.0), "smile": np.clip(smile, -1.0, 1.0),
            "mouth_open": np.clip(mouth_open, 0.0, 1.0), "gaze_x": np.clip(gaze_x, -1.0, 1.0),
            "gaze_y": np.clip(gaze_y, -1.0, 1.0)}


def smooth(values: np.ndarray, times: np.ndarray, sigma_s: float) -> np.ndarray:
    """Gaussian smoothing in time (irregular samples allowed), weights renormalised at the ends."""
    dt = times[:, None] - times[None, :]
    weights = np.exp(-0.5 * (dt / sigma_s) ** 2)
    return weights @ values / weights.sum(axis=1)


def face_track(times: np.ndarray, points: np.ndarray, mirror: bool = False) -> FaceTrack | None:
    """The face controls of a video whose frames at `times` have face meshes `points`
    ((T, 468, ≥2), NaN where no face); None when the face is seen too rarely to follow."""
    times = np.asarray(times, np.float64)
    seen = ~np.isnan(points[:, :, 0]).any(axis=1)
    if seen.sum() < max(2, MIN_FACE_SHARE * len(times)):
        return None
    raw = controls_from_measures(measures(points), mirror)
    controls = {}
    for name, values in raw.items():
        filled = np.interp(times, times[seen], values[seen])
        controls[name] = smooth(filled, times, SMOOTH_S[name])
    return FaceTrack(times, controls, seen)


def face_keys(track: FaceTrack, fps: float, frame_start: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(scene frames, control → values) sampled once per scene frame from `frame_start` (the
    video's first tracked frame lands there, as the body's clip does)."""
    span = track.times[-1] - track.times[0]
    frames = np.arange(int(np.floor(span * fps)) + 1, dtype=np.float64)
    times = track.times[0] + frames / fps
    return frames + frame_start, {name: np.interp(times, track.times, values) for name, values in track.controls.items()}
