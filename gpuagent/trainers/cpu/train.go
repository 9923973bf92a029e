package cpu

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// depth is the number of 2× steps down in the U-Net.
const depth = 3

// Train trains a model on the job in jobDir (the spec's trainingjob
// folder) and writes models/, predictions/ and metrics.json there. It
// prints the spec's metric block after every epoch and progress lines to
// out. When ctx ends it stops within one layer and returns ctx's error;
// models/ then holds the last finished epoch.
//
// With a resumeDir, a checkpoint goes there after every epoch, and a
// checkpoint of the same job and config found there at the start is
// continued: the epochs it holds are printed again and training goes on
// with the next, to the same weights as a run that was never interrupted.
func Train(ctx context.Context, jobDir, resumeDir string, cfg Config, out io.Writer) error {
	r := &run{ctx: ctx, cfg: cfg, out: out, jobDir: jobDir, resumeDir: resumeDir, start: time.Now(), pool: newPool(ctx, 0)}
	if err := r.setup(); err != nil {
		return err
	}
	done := 0
	if resumeDir != "" {
		if err := os.MkdirAll(resumeDir, 0o700); err != nil {
			return fmt.Errorf("resume folder: %w", err)
		}
		r.fingerprint = fingerprint(jobDir, cfg)
		var err error
		if done, err = r.resume(); err != nil {
			return err
		}
	}
	for epoch := done + 1; epoch <= cfg.Epochs; epoch++ {
		if err := r.epoch(epoch); err != nil {
			return err
		}
	}
	return r.finish()
}

// run is one training run.
type run struct {
	ctx    context.Context
	cfg    Config
	out    io.Writer
	jobDir string
	start  time.Time

	resumeDir   string // checkpoints go here when set
	fingerprint string // what the checkpoints belong to

	pool    *pool
	ds      *dataset
	net     *unet
	opt     *adam
	sched   schedule
	src     *rand.PCG // rng's state, saved in checkpoints
	rng     *rand.Rand
	info    *ModelInfo
	history []EpochMetrics
	bestIoU float64
	best    []namedTensor // the best epoch's weights, for checkpoints
}

func (r *run) modelsDir() string { return filepath.Join(r.jobDir, "models") }

// setup loads the data and builds the model.
func (r *run) setup() error {
	ds, err := loadDataset(r.pool, r.jobDir, r.cfg, 1<<depth)
	if err != nil {
		return err
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.ds = ds
	colour := "grey"
	if ds.channels == 3 {
		colour = "RGB"
	}
	fmt.Fprintf(r.out, "Loaded %d training and %d validation tiles (%s, largest side %d px) in %.1fs\n",
		len(ds.train), len(ds.val), colour, ds.tileSize, time.Since(r.start).Seconds())
	fmt.Fprintf(r.out, "Input %d×%d px: tiles scaled by %.4g; classes: %s\n", ds.canvas, ds.canvas, ds.scale, ds.classList())

	arch := Arch{Name: "unet", InChannels: ds.channels, Classes: len(ds.classes), Width: r.cfg.Width, Depth: depth}
	r.net = newUNet(arch)
	r.net.init(rand.New(rand.NewPCG(uint64(r.cfg.Seed), 1)))
	r.src = newSource(r.cfg.Seed)
	r.rng = rand.New(r.src)
	r.opt = newAdam(r.net.params)
	steps := (len(ds.train) + r.cfg.BatchSize - 1) / r.cfg.BatchSize
	r.sched = schedule{base: r.cfg.LearningRate, total: r.cfg.Epochs * steps}
	r.bestIoU = math.NaN()
	fmt.Fprintf(r.out, "Model: U-Net, width %d, depth %d, %d weights; %d epochs, batch %d, learning rate %g, seed %d, %d threads\n",
		r.cfg.Width, depth, r.net.numWeights(), r.cfg.Epochs, r.cfg.BatchSize, r.cfg.LearningRate, r.cfg.Seed, r.pool.workers)

	r.info = &ModelInfo{
		Format: ModelFormat,
		Arch:   arch,
		Input: InputInfo{Size: ds.canvas, Channels: ds.channels, Scale: ds.scale,
			TileSize: ds.tileSize, Multiple: 1 << depth},
		Normalisation: Normalisation{Mean: ds.mean, Std: ds.std},
		Classes:       ds.classes,
		IgnoreIndex:   ds.ignoreIndex,
		Tensors:       tensorInfos(r.net),
		Weights:       WeightFiles{Best: "best.safetensors", Last: "last.safetensors"},
		Config:        r.cfg,
		Trainer:       "tessera cpu trainer",
	}
	return os.MkdirAll(r.modelsDir(), 0o755)
}

// epoch trains one pass over the training tiles, validates, prints the
// block and saves the checkpoints.
func (r *run) epoch(epoch int) error {
	ds, net, p, bs := r.ds, r.net, r.pool, r.cfg.BatchSize
	steps := (len(ds.train) + bs - 1) / bs
	perm := r.rng.Perm(len(ds.train))
	trainConf := newConfusion(net.arch.Classes)
	var lossSum float64
	var lossN int
	for s := 0; s < steps; s++ {
		batch := make([]*sample, 0, bs)
		for _, i := range perm[s*bs : min((s+1)*bs, len(perm))] {
			batch = append(batch, ds.train[i])
		}
		x, labels := ds.trainBatch(batch, r.rng)
		var tr trace
		logits := net.forward(p, x, &tr)
		grad := newTensor(logits.C, logits.N, logits.H, logits.W)
		sum, n := softmaxCE(p, logits, labels, grad, trainConf)
		if n > 0 {
			inv := float32(1 / float64(n)) // the loss is the mean over labelled pixels
			for i := range grad.D {
				grad.D[i] *= inv
			}
			net.zeroGrad()
			net.backward(p, &tr, grad)
			if err := r.ctx.Err(); err != nil {
				return err
			}
			net.updateStats(&tr)
			r.opt.step(net.params, r.sched.at((epoch-1)*steps+s))
		}
		lossSum += sum
		lossN += n
		fmt.Fprintf(r.out, "Progress: %.1f%%\n", 100*float64(s+1)/float64(steps))
	}
	valLoss, valConf := evaluate(p, net, ds, bs)
	if err := r.ctx.Err(); err != nil {
		return err
	}
	m := epochMetrics(epoch, meanLoss(lossSum, lossN), trainConf, valLoss, valConf, ds.classes)
	m.Seconds = math.Round(time.Since(r.start).Seconds()*100) / 100
	r.history = append(r.history, m)
	printEpoch(r.out, m, r.cfg.Epochs, ds.classes)

	meta := map[string]string{"format": ModelFormat, "epoch": fmt.Sprint(epoch)}
	if err := saveWeights(filepath.Join(r.modelsDir(), r.info.Weights.Last), net, meta); err != nil {
		return err
	}
	last := m
	r.info.Epochs, r.info.Last = epoch, &last
	if r.info.Best == nil || better(float64(m.ValIoU), r.bestIoU) {
		r.bestIoU = float64(m.ValIoU)
		if err := saveWeights(filepath.Join(r.modelsDir(), r.info.Weights.Best), net, meta); err != nil {
			return err
		}
		best := m
		r.info.Best = &best
		r.best = r.best[:0]
		for _, t := range weightsOf(net) {
			r.best = append(r.best, namedTensor{Name: t.Name, Shape: t.Shape, Data: slices.Clone(t.Data)})
		}
		fmt.Fprintf(r.out, "Saved the best model so far (epoch %d, Val IoU %.4f)\n", epoch, r.bestIoU)
	}
	if err := writeModelInfo(r.modelsDir(), r.info); err != nil {
		return err
	}
	if r.resumeDir != "" {
		if err := r.saveCheckpoint(epoch); err != nil {
			fmt.Fprintf(r.out, "Warning: checkpoint of epoch %d not saved: %v\n", epoch, err)
		} else {
			fmt.Fprintf(r.out, "Checkpoint of epoch %d saved\n", epoch)
		}
	}
	fmt.Fprintf(r.out, "Epoch %d done at %.1fs\n", epoch, time.Since(r.start).Seconds())
	return nil
}

// finish runs the best model, as saved, through Predict on every
// validation tile at its original size, and writes predictions/ and
// metrics.json from those maps.
func (r *run) finish() error {
	pred, err := LoadPredictor(r.modelsDir())
	if err != nil {
		return fmt.Errorf("reloading the best model: %w", err)
	}
	pred.pool = r.pool
	predDir := filepath.Join(r.jobDir, "predictions")
	if err := os.MkdirAll(predDir, 0o755); err != nil {
		return err
	}
	ds := r.ds
	conf := newConfusion(len(ds.classes))
	for _, s := range ds.val {
		img, err := decodeFile(tilePath(r.jobDir, "images", s.name))
		if err != nil {
			return err
		}
		classMap, err := pred.Predict(img)
		if err != nil {
			return err
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
		for i, v := range classMap.Pix { // Predict's image has stride = width
			if t := s.full[i]; t != ignoreSlot {
				conf.add(int(t), int(ds.lut[v]))
			}
		}
		if err := writePNG(filepath.Join(predDir, predictionName(s.name)), classMap); err != nil {
			return err
		}
	}
	m := finalMetrics(conf, ds.classes, r.info.Best.Epoch, len(r.history), len(ds.val), r.history)
	if err := writeMetrics(r.jobDir, m); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "Best model: epoch %d, Val IoU %.4f, pixel accuracy %.4f; wrote %d predictions and metrics.json; done in %.1fs\n",
		m.BestEpoch, float64(m.MeanIoU), float64(m.PixelAccuracy), len(ds.val), time.Since(r.start).Seconds())
	return nil
}

// predictionName is a tile's prediction file name: the tile's, as PNG.
func predictionName(tile string) string {
	return strings.TrimSuffix(tile, filepath.Ext(tile)) + ".png"
}

// evaluate runs the network on the validation tiles exactly as Predict
// does (each at its own scaled size, padded to the multiple), returning
// the mean loss at network scale and the confusion of the class maps at
// the tiles' original size.
func evaluate(p *pool, net *unet, ds *dataset, batchSize int) (float64, *confusion) {
	mult := 1 << net.arch.Depth
	type size struct{ h, w int }
	key := func(s *sample) size { return size{roundUp(s.sh, mult), roundUp(s.sw, mult)} }
	order := slices.Clone(ds.val)
	slices.SortStableFunc(order, func(a, b *sample) int {
		ka, kb := key(a), key(b)
		return cmp.Or(cmp.Compare(ka.h, kb.h), cmp.Compare(ka.w, kb.w))
	})
	conf := newConfusion(net.arch.Classes)
	var lossSum float64
	var lossN int
	for i := 0; i < len(order); {
		g := key(order[i])
		j := i + 1
		for j < len(order) && j-i < batchSize && key(order[j]) == g {
			j++
		}
		batch := order[i:j]
		x, labels := padBatch(batch, ds.channels, g.h, g.w)
		logits := net.forward(p, x, nil)
		sum, n := softmaxCE(p, logits, labels, nil, nil)
		lossSum += sum
		lossN += n
		for b, s := range batch {
			slots := make([]uint8, s.w*s.h)
			upsampleArgmax(p, logits.D[b*g.h*g.w:], net.arch.Classes, s.sw, s.sh, g.w, logits.pixels(), s.w, s.h, slots)
			for q, t := range s.full {
				if t != ignoreSlot {
					conf.add(int(t), int(slots[q]))
				}
			}
		}
		i = j
	}
	return meanLoss(lossSum, lossN), conf
}

// schedule is the learning rate: a linear warm-up over the first 5% of
// steps, then a cosine decay to 5% of base at the last step.
type schedule struct {
	base  float64
	total int
}

func (s schedule) at(step int) float64 {
	warm := max(1, s.total/20)
	f := 1.0
	if step < warm {
		f = float64(step+1) / float64(warm)
	}
	progress := float64(step) / float64(max(1, s.total-1))
	return s.base * f * (0.05 + 0.95*0.5*(1+math.Cos(math.Pi*progress)))
}

// meanLoss is the loss per labelled pixel; NaN (printed as nan, read as
// no value) when no pixel was labelled, not a perfect 0.
func meanLoss(sum float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
