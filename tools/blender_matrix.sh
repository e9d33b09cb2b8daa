#!/usr/bin/env bash
# The extension in a real Blender program and on the newest bpy, inside a Debian 13 (trixie) root
# filesystem: Debian's `blender` 4.3 (Python 3.13) and `bpy` 5.1-5.3 from PyPI (Python 3.13).
#
#   sudo bash tools/blender_matrix.sh        (make test-blender-matrix; root: debootstrap, chroot, mount)
#
# Checks, then a table version x check:
#   build     build_addon.py makes the linux-x64 zip with Python 3.13 (the first bpy's builder)
#   install   blender --command extension install-file -r user_default -e ZIP
#   animate   blender -b --factory-startup -P <installed>/cli.py -- animate DRAWING --motion CLIP --out out.mp4,
#             the video checked by tools/check_video.py (frame count, figure pixels, motion)
#   exitcode  a corrupt drawing: non-zero exit, our one-line message last on stderr, and the same
#             exit status from Blender and from the console script (alone and beside a good drawing)
#   eevee     --engine eevee headless through Mesa's software OpenGL (one small frame)
#   pytest    pytest -m blender on each bpy of BPY_VERSIONS (Python 3.13, numpy 2), a venv each
#
# The root filesystem is built once (debootstrap + apt, ~1.8 GB; a venv per bpy, ~1 GB each) and
# reused while the stamps written after the install steps match the package lists and recipe below.
# Environment: ANIMATE_DRAWING_DEBIAN_ROOT (default /var/cache/animate-drawing/debian13-root),
# ANIMATE_DRAWING_DEBIAN_MIRROR (default: this machine's Debian source), CHECKS (default: all,
# e.g. CHECKS="build install animate"), BPY_VERSIONS (default "5.3.0 5.2.0 5.1.0").
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
SHARED=$(cd .. && pwd)/shared
ROOT=${ANIMATE_DRAWING_DEBIAN_ROOT:-/var/cache/animate-drawing/debian13-root}
CHECKS=${CHECKS:-build install animate exitcode eevee pytest}
read -r -a BPY_VERSIONS <<< "${BPY_VERSIONS:-5.3.0 5.2.0 5.1.0}"

# Debian packages: Blender and the numpy it imports (Blender's own releases bundle it), venv for
# bpy, ffmpeg to decode the video, the X/GL libraries the bpy wheel links against (the blender
# package pulls its own), Mesa for EEVEE without a GPU, and chattr (e2fsprogs) for the
# immutable-folder fault test.
PACKAGES=(blender python3-numpy python3-venv ffmpeg ca-certificates libsm6 libice6 libxi6 libxxf86vm1 libxfixes3
          libxrender1 libxkbcommon0 libgl1 libegl1 libgl1-mesa-dri libegl-mesa0 e2fsprogs)
# One venv per bpy inside the root, with these beside it: bpy 5.1+ needs Python 3.13 and takes
# numpy 2; OpenCV (dev tests only) 4.12 is the 4.x release built for numpy 2; onnxruntime matches
# the cp313 wheel the zip bundles.
# bpy itself goes in with --no-deps: 5.1.0 declares numpy<2, which has no Python 3.13 wheel (pip
# would compile numpy 1.26 from source), yet it runs on numpy 2 like 5.2/5.3; its other
# dependencies are listed here.
REQUIREMENTS=("numpy==2.2.6" "onnxruntime==1.23.2" "PyYAML==6.0.3" "pillow==11.1.0" "pytest==9.2.0"
              "hypothesis==6.170.15" "scipy==1.17.1" "opencv-python-headless==4.12.0.88" "onnx==1.23.2"
              "cattrs==26.2.1" "Cython==3.3.1" "requests==2.34.2" "zstandard==0.25.0")
venv_of() { echo "/opt/animate-drawing-bpy-$1"; }

DRAWING=/src/shared/data/drawings/raw/input_0010.png
CLIP=/src/shared/data/bvh/fair1/jumping.bvh
FRAMES=48          # --frames: enough to see the motion, short enough for 2 cores
RUN=/run/matrix    # scratch folder inside the root, emptied at every run

die() { echo "blender_matrix: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mount): run it with sudo"
[ -d "$SHARED/data" ] || die "$SHARED/data is missing: the drawings and BVH clips must be beside the repository"

# Every mount is undone on exit, whatever happens (newest first).
MOUNTS=()
cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || echo "blender_matrix: could not unmount ${MOUNTS[i]}" >&2
    done
    MOUNTS=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mount_in() {  # mount_in TARGET_IN_ROOT MOUNT_ARGS...
    local target="$ROOT$1"; shift
    mkdir -p "$target"
    mountpoint -q "$target" && return 0
    mount "$@" "$target"
    MOUNTS+=("$target")
}

# A command inside the root with a clean environment (no host PIP_* settings or paths), ended
# after LIMIT seconds (default one hour).
in_root() {
    timeout "${LIMIT:-3600}" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        TMPDIR=/tmp "${EXTRA_ENV[@]}" /usr/sbin/chroot "$ROOT" "$@"
}
EXTRA_ENV=()

debian_mirror() {
    local uri
    uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/debian.sources | head -1 | awk '{print $2}')
    [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | head -1 | awk '{print $2}')
    echo "${ANIMATE_DRAWING_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

build_root() {
    local started=$SECONDS
    # debootstrap removes ROOT/debootstrap when it succeeds: a root without it and with apt is complete.
    if [ ! -x "$ROOT/usr/bin/apt-get" ] || [ -e "$ROOT/debootstrap" ]; then
        command -v debootstrap >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap; }
        echo "blender_matrix: debootstrap Debian 13 into $ROOT.partial from $(debian_mirror)"
        rm -rf "$ROOT.partial"
        mkdir -p "$(dirname "$ROOT")"
        debootstrap --variant=minbase trixie "$ROOT.partial" "$(debian_mirror)" > "$ROOT.debootstrap.log" 2>&1 \
            || die "debootstrap failed, see $ROOT.debootstrap.log"
        rm -rf "$ROOT"
        mv "$ROOT.partial" "$ROOT"
    fi
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    ln -sfn ../proc/self/mounts "$ROOT/etc/mtab"   # minbase has none; Blender logs a warning without it
    mount_in /proc -t proc proc
    echo "blender_matrix: apt-get install ${PACKAGES[*]}"
    in_root apt-get update -q >/dev/null
    EXTRA_ENV=(DEBIAN_FRONTEND=noninteractive)
    # (apt's "Can not write log (Is /dev/pts mounted?)" is harmless: no terminal in the chroot.)
    in_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" 2>&1 >/dev/null | grep -v 'Can not write log' >&2 || true
    in_root dpkg -s "${PACKAGES[@]}" >/dev/null || die "apt-get could not install ${PACKAGES[*]} in $ROOT"
    EXTRA_ENV=()
    in_root apt-get clean
    # pip inside the root trusts what the host trusts (a proxy's certificate included).
    cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"
    rm -f "$ROOT"/.animate-drawing-ready-*
    touch "$STAMP"
    echo "blender_matrix: root filesystem ready in $((SECONDS - started)) s"
}

ensure_venv() {  # ensure_venv BPY_VERSION: the venv with that bpy, made once (stamped like the root)
    local venv stamp
    venv=$(venv_of "$1")
    stamp="$ROOT$venv/.ready-$(printf '%s\n' "bpy==$1" "${REQUIREMENTS[@]}" | sha1sum | cut -c1-12)"
    [ -f "$stamp" ] && return 0
    [ -x "$ROOT$venv/bin/python" ] || in_root python3 -m venv "$venv"
    echo "blender_matrix: pip install bpy==$1 ${REQUIREMENTS[*]}"
    in_root "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps "bpy==$1"
    # (pip warns, exit status 0, that bpy 5.1.0 wanted numpy<2.)
    in_root "$venv/bin/python" -m pip install -q --disable-pip-version-check "${REQUIREMENTS[@]}" 2>&1 \
        | { grep -v -e "dependency resolver does not currently" -e "bpy .* requires numpy" >&2 || true; }
    in_root "$venv/bin/python" -c "import bpy, numpy, onnxruntime, yaml, PIL, pytest" \
        || die "the venv $venv (bpy $1) cannot import its packages"
    rm -f "$ROOT$venv"/.ready-*
    touch "$stamp"
}

# The stamp changes with the package list and with the recipe above.
STAMP="$ROOT/.animate-drawing-ready-$({ printf '%s\n' "${PACKAGES[@]}"; declare -f build_root; } | sha1sum | cut -c1-12)"

# --- results -----------------------------------------------------------------------------------
declare -A RESULT NOTE
record() {  # record ROW CHECK STATUS NOTE
    RESULT["$1|$2"]=$3
    NOTE["$1|$2"]=$4
    printf 'blender_matrix: %-28s %-9s %s  %s\n' "$1" "$2" "$3" "$4"
}
wants() { [[ " $CHECKS " == *" $1 "* ]]; }
why_failed() {  # why_failed LOG: our FAILED line, else the last line that is not Blender's banner
    grep -E '^FAILED|animate-drawing:' "$1" | tail -1 | grep . || grep -v -E '^\s*$|^Blender [0-9]' "$1" | tail -1
}

# --- main ---------------------------------------------------------------------------------------
started=$SECONDS
[ -f "$STAMP" ] || build_root
mount_in /proc -t proc proc
mount_in /dev/shm -t tmpfs tmpfs
mount_in /src/animate_drawing --bind "$REPO"
mount_in /src/shared --bind -o ro "$SHARED"
rm -rf "$ROOT$RUN" && mkdir -p "$ROOT$RUN/home" "$ROOT$RUN/out"

# Blender's user folders (extensions included) live in the scratch folder: nothing of a previous
# run or of the root's own user is seen.
EXTRA_ENV=(HOME=$RUN/home BLENDER_USER_RESOURCES=$RUN/home/blender XDG_CACHE_HOME=$RUN/home/cache
           OMP_NUM_THREADS=2 PYTHONPATH=/src)
BLENDER_VERSION=$(in_root blender --version 2>/dev/null | head -1 | awk '{print $2}')
BLENDER_PYTHON=$(in_root blender -b --factory-startup --python-expr 'import sys; print("PY", sys.version.split()[0])' 2>/dev/null \
                 | awk '/^PY /{print $2}')
BIN_ROW="blender $BLENDER_VERSION (py $BLENDER_PYTHON)"
echo "blender_matrix: $BIN_ROW in $ROOT"
BPY_ROWS=()
for version in "${BPY_VERSIONS[@]}"; do
    ensure_venv "$version"
    python_version=$(in_root "$(venv_of "$version")/bin/python" -c 'import sys; print(sys.version.split()[0])')
    BPY_ROWS+=("bpy $version (py $python_version)")
done
# The first bpy builds the zip (its blender_ext.py) and runs the console script.
VENV=$(venv_of "${BPY_VERSIONS[0]}")
BPY_ROW=${BPY_ROWS[0]}

ZIP=""
if wants build || wants install || wants animate || wants exitcode || wants eevee; then
    out=$(in_root "$VENV/bin/python" /src/animate_drawing/build_addon.py --platform linux-x64 --output-dir "$RUN/dist" 2>&1) \
        && ZIP=$(ls "$ROOT$RUN"/dist/*.zip 2>/dev/null | head -1)
    if [ -n "$ZIP" ]; then
        ZIP=${ZIP#"$ROOT"}
        record "$BPY_ROW" build PASS "$(echo "$out" | head -1 | sed 's/.*: //')"
    else
        record "$BPY_ROW" build FAIL "$(echo "$out" | tail -3 | tr '\n' ' ')"
    fi
fi

EXT=$RUN/home/blender/extensions/user_default/animate_drawing
if [ -n "$ZIP" ] && { wants install || wants animate || wants exitcode || wants eevee; }; then
    if out=$(in_root blender --command extension install-file -r user_default -e "$ZIP" 2>&1) && [ -f "$ROOT$EXT/cli.py" ]; then
        wheels=$(cd "$ROOT$RUN/home/blender/extensions/.local/lib/"python*/site-packages 2>/dev/null && ls -d *.dist-info | tr '\n' ' ')
        record "$BIN_ROW" install PASS "wheels installed: ${wheels:-none}"
    else
        record "$BIN_ROW" install FAIL "$(echo "$out" | tail -2 | tr '\n' ' ')"
        EXT=""
    fi
fi

blender_cli() {  # blender_cli ARGS... -> the documented headless path on the installed extension
    in_root blender -b --factory-startup -P "$EXT/cli.py" -- "$@"
}
console_cli() {  # console_cli ARGS... -> the console script (the repository's package on bpy 5.3)
    in_root "$VENV/bin/python" -m animate_drawing.cli "$@"
}

metrics=""
if [ -n "$EXT" ] && wants animate; then
    t=$SECONDS
    if blender_cli animate "$DRAWING" --motion "$CLIP" --frames "$FRAMES" --size 256 --out "$RUN/out/walk.mp4" \
            > "$ROOT$RUN/animate.log" 2>&1 \
        && metrics=$(in_root "$VENV/bin/python" /src/animate_drawing/tools/check_video.py "$RUN/out/walk.mp4" --frames "$FRAMES" 2>&1); then
        record "$BIN_ROW" animate PASS "$((SECONDS - t)) s, ${metrics#video }"
    else
        record "$BIN_ROW" animate FAIL "${metrics:-$(why_failed "$ROOT$RUN/animate.log")}"
    fi
fi

if [ -n "$EXT" ] && wants exitcode; then
    head -c 4096 /dev/urandom > "$ROOT$RUN/corrupt.png"
    problems=()
    blender_cli animate "$RUN/corrupt.png" --motion "$CLIP" --out "$RUN/out/corrupt.mp4" \
        > "$ROOT$RUN/corrupt.out" 2> "$ROOT$RUN/corrupt.err" && rc_blender=0 || rc_blender=$?
    last=$(grep -v '^\s*$' "$ROOT$RUN/corrupt.err" | tail -1)
    [ "$rc_blender" -ne 0 ] || problems+=("blender exited 0 on a corrupt drawing")
    [[ "$last" == *corrupt.png* ]] || problems+=("last stderr line does not name the file: '$last'")
    grep -q Traceback "$ROOT$RUN/corrupt.err" && problems+=("a traceback on stderr")
    console_cli animate "$RUN/corrupt.png" --motion "$CLIP" --out "$RUN/out/corrupt2.mp4" >/dev/null 2>&1 \
        && rc_console=0 || rc_console=$?
    [ "$rc_console" -eq "$rc_blender" ] || problems+=("console script exited $rc_console, blender $rc_blender")
    # One good and one corrupt drawing: still a failure (0 only when every item succeeded).
    blender_cli animate "$DRAWING" "$RUN/corrupt.png" --motion "$CLIP" --frames 2 --size 64 --format png \
        --out "$RUN/out/mixed" > /dev/null 2>&1 && rc_mixed=0 || rc_mixed=$?
    console_cli animate "$DRAWING" "$RUN/corrupt.png" --motion "$CLIP" --frames 2 --size 64 --format png \
        --out "$RUN/out/mixed2" > /dev/null 2>&1 && rc_mixed2=0 || rc_mixed2=$?
    [ "$rc_mixed" -ne 0 ] && [ "$rc_mixed" -eq "$rc_mixed2" ] \
        || problems+=("good+corrupt: blender exited $rc_mixed, console script $rc_mixed2")
    # ... and the good drawing beside the corrupt one was still rendered.
    [ -n "$(find "$ROOT$RUN/out/mixed" -name '*.png' 2>/dev/null | head -1)" ] \
        || problems+=("good+corrupt: the good drawing was not rendered")
    if [ ${#problems[@]} -eq 0 ]; then
        record "$BIN_ROW" exitcode PASS "rc $rc_blender (console $rc_console), good+corrupt rc $rc_mixed; last line: $last"
    else
        record "$BIN_ROW" exitcode FAIL "$(IFS=';'; echo "${problems[*]}")"
    fi
fi

metrics=""
if [ -n "$EXT" ] && wants eevee; then
    t=$SECONDS
    # Shader compilation on llvmpipe takes ~45 s here; 15 minutes means it does not work.
    if LIMIT=900 blender_cli animate "$DRAWING" --motion "$CLIP" --engine eevee --frames 1 --size 64 --format png \
            --out "$RUN/out/eevee" > "$ROOT$RUN/eevee.log" 2>&1 \
        && png=$(cd "$ROOT" && find "${RUN#/}/out/eevee" -name '*.png' | head -1) && [ -n "$png" ] \
        && metrics=$(in_root "$VENV/bin/python" /src/animate_drawing/tools/check_video.py "/$png" --frames 1 2>&1); then
        record "$BIN_ROW" eevee PASS "$((SECONDS - t)) s for one 64x64 frame (Mesa llvmpipe), ${metrics#video }"
    else
        record "$BIN_ROW" eevee FAIL "${metrics:-$(why_failed "$ROOT$RUN/eevee.log")}"
    fi
fi

if wants pytest; then
    # CI=true: a missing bpy or ../shared, or any test that skips, fails.
    EXTRA_ENV+=(CI=true)
    for i in "${!BPY_VERSIONS[@]}"; do
        t=$SECONDS
        log="$RUN/pytest-${BPY_VERSIONS[i]}.log"
        # The training tests need torch, which these venvs lack: they are not Blender tests.
        if in_root bash -c "cd /src/animate_drawing && exec $(venv_of "${BPY_VERSIONS[i]}")/bin/python -m pytest -q \
                -p no:cacheprovider -m blender --ignore-glob='tests/test_training_*.py' $*" > "$ROOT$log" 2>&1; then
            record "${BPY_ROWS[i]}" pytest PASS "$(grep -E '[0-9]+ passed' "$ROOT$log" | tail -1) in $((SECONDS - t)) s"
        else
            grep -E '^(FAILED|ERROR)' "$ROOT$log" | head -20 >&2 || true
            record "${BPY_ROWS[i]}" pytest FAIL "$(grep -E '[0-9]+ (passed|failed|error)' "$ROOT$log" | tail -1) (log: $ROOT$log)"
        fi
    done
fi

# --- table -------------------------------------------------------------------------------------
echo
printf '%-28s' "version \\ check"
for check in $CHECKS; do printf ' %-9s' "$check"; done
echo
status=0
for row in "$BIN_ROW" "${BPY_ROWS[@]}"; do
    printf '%-28s' "$row"
    for check in $CHECKS; do
        result=${RESULT["$row|$check"]:-}
        printf ' %-9s' "${result:--}"
        [ "$result" = FAIL ] && status=1
    done
    echo
done
for check in $CHECKS; do
    found=""
    for row in "$BIN_ROW" "${BPY_ROWS[@]}"; do [ -n "${RESULT["$row|$check"]:-}" ] && found=1; done
    [ -n "$found" ] || { echo "blender_matrix: $check did not run" >&2; status=1; }
done
echo "blender_matrix: $((SECONDS - started)) s in all"
exit "$status"
