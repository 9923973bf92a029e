package jobproto

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The spec's metric block, plus two lines of ours:
//
//	Epoch [3/10]: Training Status
//	- Train Loss: 0.4213 (Model training loss)
//	- Train IoU: 0.6120 (Intersection over Union)
//	- Val Loss: 0.4877 (Validation loss)
//	- Val IoU: 0.5804 (Validation IoU)
//	- Class IoU [flower]: 0.7100        (any number of these, after the four)
//	Progress: 37.5%                    (within the epoch being trained)
var (
	epochRe    = regexp.MustCompile(`^Epoch\s*\[\s*(\d{1,9})\s*/\s*(\d{1,9})\s*\]`)
	valueRe    = regexp.MustCompile(`(?i)^-\s*(train loss|train iou|val loss|val iou)\s*:\s*(\S+)`)
	classRe    = regexp.MustCompile(`(?i)^-\s*class iou\s*\[([^\]]{1,200})\]\s*:\s*(\S+)`)
	progressRe = regexp.MustCompile(`(?i)^progress\s*:\s*([0-9]+(?:\.[0-9]+)?)\s*%`)
)

// Parser turns a trainer's output, fed line by line, into metric events and
// progress. It keeps one block open at a time; feed each output stream to
// its own Parser. The zero Parser works; NewParser gives it the number of
// epochs the job was configured for, so progress is known before the first
// block says it.
type Parser struct {
	total int // from the last header, or the config
	done  int // last epoch emitted
	cur   *block
}

type block struct {
	m       MetricEvent
	have    [4]bool
	emitted bool
}

// NewParser returns a parser that assumes epochs in total until a block
// header says otherwise (0: unknown).
func NewParser(epochs int) *Parser { return &Parser{total: max(epochs, 0)} }

// Feed reads one line (a trailing "\r" is ignored) and returns a metric when
// the line completes a block or updates a complete one, and the job's
// progress (0..1) when the line moves it. A line that is not part of the
// format closes an incomplete block, which is then returned as it is.
// Returned metrics carry only Epoch, Total, values, ClassIoU and Notes.
func (p *Parser) Feed(line string) (*MetricEvent, *float64) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, nil
	}
	if m := epochRe.FindStringSubmatch(line); m != nil {
		out := p.closeBlock()
		epoch, _ := strconv.Atoi(m[1])
		total, _ := strconv.Atoi(m[2])
		p.cur = &block{m: MetricEvent{Epoch: epoch, Total: total}}
		pr := p.progressOf(out)
		if total > 0 {
			p.total = total
		}
		return out, pr
	}
	if m := classRe.FindStringSubmatch(line); m != nil {
		if p.cur == nil {
			return nil, nil
		}
		v, note := parseValue(m[2], "Class IoU ["+m[1]+"]")
		if note != "" {
			p.cur.m.Notes = append(p.cur.m.Notes, note)
		} else {
			if p.cur.m.ClassIoU == nil {
				p.cur.m.ClassIoU = map[string]float64{}
			}
			p.cur.m.ClassIoU[m[1]] = *v
		}
		if p.cur.emitted {
			return p.cur.copy(), nil
		}
		return nil, nil
	}
	if m := valueRe.FindStringSubmatch(line); m != nil {
		if p.cur == nil {
			return nil, nil
		}
		return p.setValue(m[1], m[2])
	}
	if strings.HasPrefix(line, "-") && p.cur != nil {
		return nil, nil // another "- " line inside a block: ignored
	}
	out := p.closeBlock()
	if m := progressRe.FindStringSubmatch(line); m != nil && p.total > 0 {
		pct, err := strconv.ParseFloat(m[1], 64)
		if err == nil {
			pr := clamp01((float64(p.done) + clamp01(pct/100)) / float64(p.total))
			return out, &pr
		}
	}
	return out, p.progressOf(out)
}

// Flush returns the open block if it was never emitted (the output ended
// in the middle of it), and forgets it.
func (p *Parser) Flush() *MetricEvent { return p.closeBlock() }

func (p *Parser) setValue(key, raw string) (*MetricEvent, *float64) {
	var idx int
	var name string
	switch strings.ToLower(key) {
	case "train loss":
		idx, name = 0, "Train Loss"
	case "train iou":
		idx, name = 1, "Train IoU"
	case "val loss":
		idx, name = 2, "Val Loss"
	default:
		idx, name = 3, "Val IoU"
	}
	v, note := parseValue(raw, name)
	b := p.cur
	if note != "" {
		b.m.Notes = append(b.m.Notes, note)
	}
	switch idx {
	case 0:
		b.m.TrainLoss = v
	case 1:
		b.m.TrainIoU = v
	case 2:
		b.m.ValLoss = v
	default:
		b.m.ValIoU = v
	}
	b.have[idx] = true
	if !b.emitted && b.have != [4]bool{true, true, true, true} {
		return nil, nil
	}
	b.emitted = true
	out := b.copy()
	return out, p.progressOf(out)
}

// closeBlock ends the open block and returns it if it has values that were
// never emitted.
func (p *Parser) closeBlock() *MetricEvent {
	b := p.cur
	p.cur = nil
	if b == nil || b.emitted || b.have == [4]bool{} && len(b.m.ClassIoU) == 0 {
		return nil
	}
	return b.copy()
}

// progressOf records an emitted epoch and returns the progress it means.
func (p *Parser) progressOf(m *MetricEvent) *float64 {
	if m == nil {
		return nil
	}
	p.done = max(p.done, m.Epoch)
	if m.Total <= 0 {
		return nil
	}
	pr := clamp01(float64(m.Epoch) / float64(m.Total))
	return &pr
}

func (b *block) copy() *MetricEvent {
	m := b.m
	if b.m.ClassIoU != nil {
		m.ClassIoU = make(map[string]float64, len(b.m.ClassIoU))
		for k, v := range b.m.ClassIoU {
			m.ClassIoU[k] = v
		}
	}
	m.Notes = append([]string(nil), b.m.Notes...)
	return &m
}

// parseValue reads a metric value; NaN, infinities and garbage give nil and
// a note saying so.
func parseValue(raw, name string) (*float64, string) {
	v, err := strconv.ParseFloat(strings.TrimRight(raw, ",;"), 64)
	switch {
	case err != nil && !isRangeErr(err):
		return nil, name + " is not a number: " + truncate(raw, 40)
	case math.IsNaN(v):
		return nil, name + " was NaN"
	case math.IsInf(v, 0):
		return nil, name + " was infinite"
	}
	return &v, ""
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func clamp01(x float64) float64 {
	switch {
	case math.IsNaN(x) || x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
