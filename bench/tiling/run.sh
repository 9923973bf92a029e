#!/usr/bin/env bash
# Tiling benchmark: Tessera against libvips on a ~100-megapixel image.
#
#   bench/tiling/run.sh            # 10000 × 10000 RGB PNG, 3 runs of each
#   SIDE=5000 REPS=1 FORMAT=tif bench/tiling/run.sh
#
# It generates a textured, noisy RGB image (cached in $WORK), then, with the
# input in the page cache for both, times:
#   tessera tiles    decode + WriteTiles, 512 px PNG tiles
#   vips one level   vips dzsave --tile-size 512 --overlap 0 --suffix .png --depth one
#   tessera all      decode + WriteTiles + WritePyramid (512 px JPEG tiles)
#   vips pyramid     vips dzsave --tile-size 512 --overlap 0 --suffix .png
#   vips pyramid jpg the same with --suffix .jpg[Q=85], Tessera's pyramid format
# Wall time and peak RSS come from /usr/bin/time; each is the fastest of
# $REPS runs (the machine may be shared). Needs Go, /usr/bin/time and vips
# (Debian: libvips-tools).
set -euo pipefail
cd "$(dirname "$0")/../.."

SIDE=${SIDE:-10000}
REPS=${REPS:-3}
FORMAT=${FORMAT:-png}
WORK=${WORK:-${TMPDIR:-/tmp}/tessera-tiling-bench}
mkdir -p "$WORK"
IMG="$WORK/input-${SIDE}.${FORMAT}"
BIN="$WORK/tiling-bench"

for tool in /usr/bin/time vips; do
	command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
go build -o "$BIN" ./bench/tiling
if [ ! -f "$IMG" ]; then
	echo "generating $IMG ($SIDE × $SIDE RGB)…"
	"$BIN" gen -o "$IMG" -w "$SIDE" -h "$SIDE"
fi
MP=$(awk -v s="$SIDE" 'BEGIN { printf "%.1f", s*s/1e6 }')
echo "input: $IMG, $MP MP, $(du -h "$IMG" | cut -f1); $(nproc) cores; $(vips --version)"
echo

# measure NAME CMD…: runs CMD $REPS times in a fresh output folder, keeps
# the fastest wall time, its peak RSS and the command's own output.
declare -A WALL RSS LOG
measure() {
	local name=$1; shift
	local best="" bestrss="" bestlog=""
	for _ in $(seq "$REPS"); do
		rm -rf "$WORK/out"; mkdir -p "$WORK/out"
		local log
		log=$(/usr/bin/time -f "TIME %e %M" "$@" 2>&1) || { echo "$log" >&2; exit 1; }
		local t rss
		read -r t rss < <(echo "$log" | awk '/^TIME/ { print $2, $3 }')
		if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$t; bestrss=$rss; bestlog=$(echo "$log" | grep -v '^TIME' || true)
		fi
	done
	WALL[$name]=$best; RSS[$name]=$bestrss; LOG[$name]=$bestlog
	printf "%-18s %7.2f s  %7.1f MP/s  peak RSS %6.0f MiB  output %s\n" "$name" "$best" \
		"$(awk -v mp="$MP" -v t="$best" 'BEGIN { print mp/t }')" "$(awk -v k="$bestrss" 'BEGIN { print k/1024 }')" \
		"$(du -sh "$WORK/out" | cut -f1)"
}

measure "tessera tiles" "$BIN" tiles -in "$IMG" -out "$WORK/out" -size 512
measure "vips one level" vips dzsave "$IMG" "$WORK/out/dz" --tile-size 512 --overlap 0 --suffix .png --depth one
measure "tessera all" "$BIN" pyramid -in "$IMG" -out "$WORK/out" -size 512 -psize 512
measure "vips pyramid" vips dzsave "$IMG" "$WORK/out/dz" --tile-size 512 --overlap 0 --suffix .png
measure "vips pyramid jpg" vips dzsave "$IMG" "$WORK/out/dz" --tile-size 512 --overlap 0 --suffix ".jpg[Q=85]"

echo
echo "Tessera's own timings (fastest run):"
echo "${LOG[tessera all]}" | sed 's/^/  /'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a/b }'; }
echo
echo "ratios Tessera / vips (time: below 1 is faster; memory: below 1 is smaller)"
printf "  tiles only vs vips --depth one:      time %s  peak RSS %s\n" \
	"$(ratio "${WALL[tessera tiles]}" "${WALL[vips one level]}")" "$(ratio "${RSS[tessera tiles]}" "${RSS[vips one level]}")"
printf "  tiles + pyramid vs vips pyramid png: time %s  peak RSS %s\n" \
	"$(ratio "${WALL[tessera all]}" "${WALL[vips pyramid]}")" "$(ratio "${RSS[tessera all]}" "${RSS[vips pyramid]}")"
printf "  tiles + pyramid vs vips pyramid jpg: time %s  peak RSS %s\n" \
	"$(ratio "${WALL[tessera all]}" "${WALL[vips pyramid jpg]}")" "$(ratio "${RSS[tessera all]}" "${RSS[vips pyramid jpg]}")"
DECODED=$(awk -v s="$SIDE" 'BEGIN { print s*s*4/1048576 }') # RGB decodes to 4-byte RGBA
printf "  peak RSS / decoded image (%.0f MiB): tiles %s, tiles + pyramid %s\n" "$DECODED" \
	"$(ratio "${RSS[tessera tiles]}" "$(awk -v d="$DECODED" 'BEGIN { print d*1024 }')")" \
	"$(ratio "${RSS[tessera all]}" "$(awk -v d="$DECODED" 'BEGIN { print d*1024 }')")"
rm -rf "$WORK/out"
