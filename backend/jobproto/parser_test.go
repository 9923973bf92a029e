package jobproto

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
)

// feed runs lines through a parser (and Flush) and describes what came out:
// "m 3/10 tl=0.4213 ti=0.612 vl=0.4877 vi=0.5804 [flower=0.71] {notes}" per
// metric and "p 0.3" per progress.
func feed(p *Parser, lines ...string) []string {
	var out []string
	for _, l := range lines {
		m, pr := p.Feed(l)
		if m != nil {
			out = append(out, describeMetric(m))
		}
		if pr != nil {
			out = append(out, fmt.Sprintf("p %.4g", *pr))
		}
	}
	if m := p.Flush(); m != nil {
		out = append(out, describeMetric(m))
	}
	return out
}

func describeMetric(m *MetricEvent) string {
	f := func(v *float64) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprintf("%g", *v)
	}
	s := fmt.Sprintf("m %d/%d tl=%s ti=%s vl=%s vi=%s", m.Epoch, m.Total,
		f(m.TrainLoss), f(m.TrainIoU), f(m.ValLoss), f(m.ValIoU))
	if len(m.ClassIoU) > 0 {
		var cs []string
		for k, v := range m.ClassIoU {
			cs = append(cs, fmt.Sprintf("%s=%g", k, v))
		}
		sort.Strings(cs)
		s += " [" + strings.Join(cs, " ") + "]"
	}
	if len(m.Notes) > 0 {
		s += " {" + strings.Join(m.Notes, "; ") + "}"
	}
	return s
}

func specBlock(epoch, total int, tl, ti, vl, vi string) []string {
	return []string{
		fmt.Sprintf("Epoch [%d/%d]: Training Status", epoch, total),
		"- Train Loss: " + tl + " (Model training loss)",
		"- Train IoU: " + ti + " (Intersection over Union)",
		"- Val Loss: " + vl + " (Validation loss)",
		"- Val IoU: " + vi + " (Validation IoU)",
	}
}

func lines(parts ...[]string) []string { return slices.Concat(parts...) }

func TestParser(t *testing.T) {
	tests := []struct {
		name   string
		epochs int // NewParser's hint
		in     []string
		want   []string
	}{
		{
			name: "spec block",
			in:   specBlock(3, 10, "0.4213", "0.6120", "0.4877", "0.5804"),
			want: []string{"m 3/10 tl=0.4213 ti=0.612 vl=0.4877 vi=0.5804", "p 0.3"},
		},
		{
			name: "two epochs with chatter between",
			in: lines(
				[]string{"loading data", "Epoch 1 starting…"},
				specBlock(1, 2, "1", "0.1", "1.5", "0.05"),
				[]string{"saving checkpoint"},
				specBlock(2, 2, "0.5", "0.2", "0.9", "0.15"),
			),
			want: []string{
				"m 1/2 tl=1 ti=0.1 vl=1.5 vi=0.05", "p 0.5",
				"m 2/2 tl=0.5 ti=0.2 vl=0.9 vi=0.15", "p 1",
			},
		},
		{
			name: "CRLF and surrounding spaces",
			in: []string{
				"Epoch [1/4]: Training Status\r", "  - Train Loss: 0.5 (x)\r", "- Train IoU: 0.25\r",
				"- Val Loss: 0.75\r", "- Val IoU: 0.125 (Validation IoU)\r",
			},
			want: []string{"m 1/4 tl=0.5 ti=0.25 vl=0.75 vi=0.125", "p 0.25"},
		},
		{
			name: "class lines after the block update the same epoch",
			in: lines(
				specBlock(1, 5, "1", "0.5", "1", "0.5"),
				[]string{"- Class IoU [flower]: 0.7100", "- Class IoU [leaf vein]: 0.3", "next"},
			),
			want: []string{
				"m 1/5 tl=1 ti=0.5 vl=1 vi=0.5", "p 0.2",
				"m 1/5 tl=1 ti=0.5 vl=1 vi=0.5 [flower=0.71]",
				"m 1/5 tl=1 ti=0.5 vl=1 vi=0.5 [flower=0.71 leaf vein=0.3]",
			},
		},
		{
			name: "class lines after a closing line are ignored",
			in:   lines(specBlock(1, 5, "1", "0.5", "1", "0.5"), []string{"done", "- Class IoU [a]: 0.1"}),
			want: []string{"m 1/5 tl=1 ti=0.5 vl=1 vi=0.5", "p 0.2"},
		},
		{
			name: "NaN and inf are nil with a note",
			in:   specBlock(2, 4, "nan", "0.5", "+Inf", "NaN"),
			want: []string{"m 2/4 tl=nil ti=0.5 vl=nil vi=nil {Train Loss was NaN; Val Loss was infinite; Val IoU was NaN}", "p 0.5"},
		},
		{
			name: "garbage value",
			in:   specBlock(1, 1, "0.5", "zero", "1e999", "0.5"),
			want: []string{"m 1/1 tl=0.5 ti=nil vl=nil vi=0.5 {Train IoU is not a number: zero; Val Loss was infinite}", "p 1"},
		},
		{
			name: "missing field: emitted at the next header",
			in: []string{
				"Epoch [1/3]: Training Status", "- Train Loss: 0.9", "- Val IoU: 0.1",
				"Epoch [2/3]: Training Status", "- Train Loss: 0.8", "- Train IoU: 0.2", "- Val Loss: 0.7", "- Val IoU: 0.3",
			},
			want: []string{"m 1/3 tl=0.9 ti=nil vl=nil vi=0.1", "p 0.3333", "m 2/3 tl=0.8 ti=0.2 vl=0.7 vi=0.3", "p 0.6667"},
		},
		{
			name: "missing field: emitted at a non-dash line",
			in:   []string{"Epoch [1/2]: Training Status", "- Train Loss: 0.9", "Traceback (most recent call last):"},
			want: []string{"m 1/2 tl=0.9 ti=nil vl=nil vi=nil", "p 0.5"},
		},
		{
			name: "missing field: emitted by Flush at the end",
			in:   []string{"Epoch [2/2]: Training Status", "- Train Loss: 0.9", "- Val Loss: 1"},
			want: []string{"m 2/2 tl=0.9 ti=nil vl=1 vi=nil"},
		},
		{
			name: "header alone emits nothing",
			in:   []string{"Epoch [1/2]: Training Status", "Epoch [2/2]: Training Status", "x"},
			want: nil,
		},
		{
			name: "values without a header are ignored",
			in:   []string{"- Train Loss: 0.9", "- Val IoU: 0.1", "- Class IoU [a]: 0.2"},
			want: nil,
		},
		{
			name: "other dash lines inside a block are skipped",
			in: []string{"Epoch [1/1]: Training Status", "- Train Loss: 1", "- lr: 0.001", "- Train IoU: 1",
				"- Val Loss: 1", "- Val IoU: 1"},
			want: []string{"m 1/1 tl=1 ti=1 vl=1 vi=1", "p 1"},
		},
		{
			name: "blank lines do not close a block",
			in:   []string{"Epoch [1/2]: Training Status", "", "- Train Loss: 1", "   ", "- Train IoU: 1", "- Val Loss: 1", "- Val IoU: 1"},
			want: []string{"m 1/2 tl=1 ti=1 vl=1 vi=1", "p 0.5"},
		},
		{
			name:   "progress within an epoch, total from the config",
			epochs: 4,
			in:     []string{"Progress: 50%", "Progress: 100.0%"},
			want:   []string{"p 0.125", "p 0.25"},
		},
		{
			name: "progress after an epoch uses the header's total",
			in: lines(specBlock(1, 10, "1", "1", "1", "1"),
				[]string{"Progress: 37.5%", "Progress: 250%"}),
			want: []string{"m 1/10 tl=1 ti=1 vl=1 vi=1", "p 0.1", "p 0.1375", "p 0.2"},
		},
		{
			name: "progress with no known total is dropped",
			in:   []string{"Progress: 40%"},
			want: nil,
		},
		{
			name: "epoch beyond total clamps progress",
			in:   specBlock(12, 10, "1", "1", "1", "1"),
			want: []string{"m 12/10 tl=1 ti=1 vl=1 vi=1", "p 1"},
		},
		{
			name: "garbage and binary",
			in:   []string{"\x00\xff\xfe", "Epoch [", "Epoch [x/y]: Training Status", "- Train Loss:", strings.Repeat("-", 1<<16)},
			want: nil,
		},
		{
			name: "a repeated value after the block re-emits",
			in:   lines(specBlock(1, 2, "1", "1", "1", "1"), []string{"- Val IoU: 0.9"}),
			want: []string{"m 1/2 tl=1 ti=1 vl=1 vi=1", "p 0.5", "m 1/2 tl=1 ti=1 vl=1 vi=0.9", "p 0.5"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := feed(NewParser(tt.epochs), tt.in...)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestParserReturnsCopies(t *testing.T) {
	p := NewParser(0)
	var first *MetricEvent
	for _, l := range lines(specBlock(1, 2, "1", "1", "1", "1"), []string{"- Class IoU [a]: 0.5"}) {
		if m, _ := p.Feed(l); m != nil && first == nil {
			first = m
		}
	}
	if first == nil || first.ClassIoU != nil {
		t.Fatalf("first emitted metric changed after the fact: %+v", first)
	}
}

func FuzzParser(f *testing.F) {
	f.Add(strings.Join(specBlock(3, 10, "0.4213", "0.6120", "0.4877", "0.5804"), "\n") + "\n- Class IoU [x]: 0.5\nProgress: 12%")
	f.Add("Epoch [1/0]: Training Status\n- Val IoU: nan\r\nProgress: 1e308%")
	f.Add("\x00\n- Train Loss: -0\nEpoch [999999999/1]:")
	f.Fuzz(func(t *testing.T, in string) {
		p := NewParser(3)
		check := func(m *MetricEvent, pr *float64) {
			if pr != nil && (*pr < 0 || *pr > 1 || math.IsNaN(*pr)) {
				t.Fatalf("progress %v out of range", *pr)
			}
			if m == nil {
				return
			}
			if m.Epoch < 0 || m.Total < 0 {
				t.Fatalf("negative epoch %d/%d", m.Epoch, m.Total)
			}
			for _, v := range []*float64{m.TrainLoss, m.TrainIoU, m.ValLoss, m.ValIoU} {
				if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
					t.Fatalf("non-finite value kept: %v", *v)
				}
			}
		}
		for _, l := range strings.Split(in, "\n") {
			check(p.Feed(l))
		}
		check(p.Flush(), nil)
	})
}
