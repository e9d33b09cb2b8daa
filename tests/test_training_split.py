"""The committed vision split: up to date with the data, copies kept together, nothing unlicensed learned."""
import json

import pytest

cv2 = pytest.importorskip("cv2")

from animate_drawing.vision_dev.training import split  # noqa: E402


@pytest.fixture(scope="module")
def built(shared_data):
    return split.build_manifest(shared_data / "drawings" / "annotated")


def test_committed_manifest_matches_the_data(built):
    assert json.loads(split.MANIFEST.read_text(encoding="utf-8")) == built


def test_copies_of_a_drawing_share_one_split(built):
    members = [(g["split"], m) for g in built["groups"] for m in g["members"]]
    for i, (split_a, a) in enumerate(members):
        for split_b, b in members[:i]:
            close = bin(int(a["dhash"], 16) ^ int(b["dhash"], 16)).count("1") <= split.DHASH_MAX_BITS
            if a["sha256"] == b["sha256"] or close:
                assert split_a == split_b, (a["folder"], b["folder"])
    garlic = {m["folder"] for g in built["groups"] for m in g["members"] if "garlic" in m["folder"].lower()
              and "Ajaypawar02" not in m["folder"]}      # Ajaypawar02's "garlic_out" is a boy, not the garlic
    assert len(garlic) == 4 and {split.load_split()[f] for f in garlic} == {"test"}


def test_train_split_is_licensed_and_disjoint_from_test(built):
    by_split = {s: [m for g in built["groups"] if g["split"] == s for m in g["members"]] for s in split.SPLITS}
    assert by_split["train"] and by_split["test"] and by_split["validation"]
    assert all(split._licensed(m["licence"]) for m in by_split["train"])
    assert any(not split._licensed(m["licence"]) for m in by_split["test"])
    assert not {m["folder"] for m in by_split["train"]} & {m["folder"] for m in by_split["test"]}


def test_shipped_pose_net_learned_only_from_the_train_split():
    sidecar = json.loads((split.MANIFEST.parents[2] / "models" / "figure_pose.json").read_text(encoding="utf-8"))
    learned = {d["folder"] for d in sidecar["training"]["real_drawings"]}
    assert learned and learned <= set(split.folders_in("train"))
    assert all(split._licensed(d["licence"]) for d in sidecar["training"]["real_drawings"])


def test_unknown_split_name_is_refused():
    with pytest.raises(ValueError, match="unknown split"):
        split.folders_in("holdout")
