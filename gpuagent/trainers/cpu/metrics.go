package cpu

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
)

// Metrics is metrics.json: the best model's evaluation on the validation
// tiles at their original size (exactly the maps in predictions/), and the
// figures of every epoch.
type Metrics struct {
	BestEpoch int `json:"best_epoch"`
	Epochs    int `json:"epochs"`
	// Classes orders the confusion matrix's rows and columns.
	Classes []Class `json:"classes"`
	// ClassIoU is TP/(TP+FP+FN) per class name, each summed over every
	// validation pixel; null for a class in neither truth nor prediction.
	ClassIoU map[string]Num `json:"class_iou"`
	// MeanIoU averages ClassIoU over the classes that are not null.
	MeanIoU       Num `json:"mean_iou"`
	PixelAccuracy Num `json:"pixel_accuracy"`
	// ConfusionMatrix[t][p] counts pixels of true class t predicted as p;
	// unlabelled pixels are not counted.
	ConfusionMatrix [][]int64      `json:"confusion_matrix"`
	ValTiles        int            `json:"val_tiles"`
	ValPixels       int64          `json:"val_pixels"`
	History         []EpochMetrics `json:"history"`
}

// epochMetrics fills the figures of an epoch.
func epochMetrics(epoch int, trainLoss float64, train *confusion, valLoss float64, val *confusion, classes []Class) EpochMetrics {
	return EpochMetrics{
		Epoch:     epoch,
		TrainLoss: Num(trainLoss), TrainIoU: Num(train.meanIoU()),
		ValLoss: Num(valLoss), ValIoU: Num(val.meanIoU()),
		ClassIoU: classIoU(val, classes),
	}
}

func classIoU(c *confusion, classes []Class) map[string]Num {
	out := map[string]Num{}
	for i, cl := range classes {
		v, _ := c.iou(i)
		out[cl.Name] = Num(v)
	}
	return out
}

// printEpoch writes the spec's block for an epoch, plus one line per class.
func printEpoch(w io.Writer, m EpochMetrics, total int, classes []Class) {
	s := fmt.Sprintf("Epoch [%d/%d]: Training Status\n", m.Epoch, total) +
		fmt.Sprintf("- Train Loss: %.4f (Model training loss)\n", float64(m.TrainLoss)) +
		fmt.Sprintf("- Train IoU: %.4f (Intersection over Union)\n", float64(m.TrainIoU)) +
		fmt.Sprintf("- Val Loss: %.4f (Validation loss)\n", float64(m.ValLoss)) +
		fmt.Sprintf("- Val IoU: %.4f (Validation IoU)\n", float64(m.ValIoU))
	for _, c := range classes {
		s += fmt.Sprintf("- Class IoU [%s]: %.4f\n", c.Name, float64(m.ClassIoU[c.Name]))
	}
	io.WriteString(w, s) // one write: the block's lines stay together
}

// finalMetrics is the evaluation of the best model.
func finalMetrics(conf *confusion, classes []Class, best, epochs, tiles int, history []EpochMetrics) *Metrics {
	var n int64
	for _, v := range conf.m {
		n += v
	}
	return &Metrics{
		BestEpoch: best, Epochs: epochs, Classes: classes,
		ClassIoU: classIoU(conf, classes), MeanIoU: Num(conf.meanIoU()), PixelAccuracy: Num(conf.accuracy()),
		ConfusionMatrix: conf.rows(), ValTiles: tiles, ValPixels: n, History: history,
	}
}

func writeMetrics(jobDir string, m *Metrics) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(jobDir, "metrics.json"), append(data, '\n'))
}

// better reports whether IoU a beats b (NaN never does).
func better(a, b float64) bool { return !math.IsNaN(a) && (math.IsNaN(b) || a > b) }
