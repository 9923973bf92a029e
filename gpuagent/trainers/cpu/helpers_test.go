package cpu

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

// newJob writes a synthetic job into a temporary folder.
func newJob(t testing.TB, o synth.Options, cfg map[string]any) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "trainingjob-1")
	if err := synth.Write(dir, o, cfg); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runMain runs the trainer as the agent would, in-process.
func runMain(t testing.TB, dir string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main([]string{"--job-dir", dir, "--config", filepath.Join(dir, "config.json")}, &out, &errb)
	return out.String(), errb.String(), code
}

// block is one epoch's metric block as printed.
type block struct {
	epoch, total                         int
	trainLoss, trainIoU, valLoss, valIoU float64
	classIoU                             map[string]float64
	classOrder                           []string
}

// The spec's lines, exactly.
var (
	headerRe = regexp.MustCompile(`^Epoch \[(\d+)/(\d+)\]: Training Status$`)
	lineRes  = []*regexp.Regexp{
		regexp.MustCompile(`^- Train Loss: (\d+\.\d{4}) \(Model training loss\)$`),
		regexp.MustCompile(`^- Train IoU: (\d+\.\d{4}) \(Intersection over Union\)$`),
		regexp.MustCompile(`^- Val Loss: (\d+\.\d{4}) \(Validation loss\)$`),
		regexp.MustCompile(`^- Val IoU: (\d+\.\d{4}) \(Validation IoU\)$`),
	}
	classLineRe = regexp.MustCompile(`^- Class IoU \[([^\]]+)\]: (\d+\.\d{4}|NaN)$`)
	progressRe  = regexp.MustCompile(`^Progress: \d{1,3}\.\d%$`)
)

// parseBlocks reads every metric block of a trainer's stdout, failing the
// test on a line that starts like a block line but does not match the
// spec, or a block with missing lines.
func parseBlocks(t testing.TB, out string) []block {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	var blocks []block
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "Progress") && !progressRe.MatchString(l) {
			t.Fatalf("line %d: bad progress line %q", i+1, l)
		}
		if strings.HasPrefix(l, "- ") {
			t.Fatalf("line %d: %q outside a block", i+1, l)
		}
		if !strings.HasPrefix(l, "Epoch [") {
			continue
		}
		m := headerRe.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %d: bad header %q", i+1, l)
		}
		b := block{classIoU: map[string]float64{}}
		b.epoch, _ = strconv.Atoi(m[1])
		b.total, _ = strconv.Atoi(m[2])
		vals := []*float64{&b.trainLoss, &b.trainIoU, &b.valLoss, &b.valIoU}
		for k, re := range lineRes {
			i++
			if i >= len(lines) {
				t.Fatalf("block of epoch %d ends early", b.epoch)
			}
			mm := re.FindStringSubmatch(lines[i])
			if mm == nil {
				t.Fatalf("line %d: %q does not match %s", i+1, lines[i], re)
			}
			*vals[k], _ = strconv.ParseFloat(mm[1], 64)
		}
		for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "- ") {
			i++
			mm := classLineRe.FindStringSubmatch(lines[i])
			if mm == nil {
				t.Fatalf("line %d: bad class line %q", i+1, lines[i])
			}
			v, _ := strconv.ParseFloat(mm[2], 64)
			b.classIoU[mm[1]] = v
			b.classOrder = append(b.classOrder, mm[1])
		}
		blocks = append(blocks, b)
	}
	return blocks
}

// readGray reads an 8-bit PNG's values.
func readGray(t testing.TB, path string) *image.Gray {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("%s is %T, want 8-bit grey", path, img)
	}
	return g
}

// recomputed is the evaluation of predictions/ against masks/, computed
// here from the files alone.
type recomputed struct {
	iou      map[int]float64 // by class index; absent: in neither
	meanIoU  float64
	accuracy float64
	conf     map[[2]int]int64 // (truth, prediction) by class index
}

func recompute(t testing.TB, dir string, val []string, indices []int) recomputed {
	t.Helper()
	conf := map[[2]int]int64{}
	var right, all int64
	for _, name := range val {
		truth := readGray(t, filepath.Join(dir, "masks", name))
		pred := readGray(t, filepath.Join(dir, "predictions", strings.TrimSuffix(name, filepath.Ext(name))+".png"))
		if truth.Bounds() != pred.Bounds() {
			t.Fatalf("%s: prediction %v, mask %v", name, pred.Bounds(), truth.Bounds())
		}
		for i, tv := range truth.Pix {
			if tv == 255 {
				continue
			}
			pv := pred.Pix[i]
			conf[[2]int{int(tv), int(pv)}]++
			all++
			if tv == pv {
				right++
			}
		}
	}
	r := recomputed{iou: map[int]float64{}, conf: conf, accuracy: float64(right) / float64(all)}
	var sum float64
	for _, c := range indices {
		var tp, fp, fn int64
		for k, n := range conf {
			switch {
			case k[0] == c && k[1] == c:
				tp += n
			case k[0] == c:
				fn += n
			case k[1] == c:
				fp += n
			}
		}
		if tp+fp+fn == 0 {
			continue
		}
		r.iou[c] = float64(tp) / float64(tp+fp+fn)
		sum += r.iou[c]
	}
	r.meanIoU = sum / float64(len(r.iou))
	return r
}

// readJSON decodes a file into a generic value.
func readJSON(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func writeJSONFile(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
