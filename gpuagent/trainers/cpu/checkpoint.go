package cpu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// checkpointFormat names the layout of a checkpoint; another is ignored.
const checkpointFormat = "tessera-cpu-checkpoint/1"

// checkpointFile is the checkpoint's name in the resume folder: one
// safetensors file with the weights ("<name>"), Adam's moments
// ("adam.m.<name>", "adam.v.<name>"), the best epoch's weights
// ("best.<name>") and, in its metadata, the rest of the state as JSON.
const checkpointFile = "checkpoint.safetensors"

// checkpointState is the part of the training state that is not a tensor.
type checkpointState struct {
	Epoch       int            `json:"epoch"`
	AdamSteps   int            `json:"adam_steps"`
	BNUpdates   []int          `json:"bn_updates"` // per batch norm, in layer order
	RNG         string         `json:"rng"`        // the PCG's MarshalBinary, base64
	History     []EpochMetrics `json:"history"`
	BestIoU     Num            `json:"best_iou"`
	Best        *EpochMetrics  `json:"best"`
	Attempt     string         `json:"attempt,omitempty"`
	Fingerprint string         `json:"fingerprint"`
}

// fingerprint names what a checkpoint belongs to: the config, the training
// set's metadata and the model format.
func fingerprint(jobDir string, cfg Config) string {
	h := sha256.New()
	io.WriteString(h, ModelFormat)
	json.NewEncoder(h).Encode(cfg)
	if b, err := os.ReadFile(filepath.Join(jobDir, "metadata.json")); err == nil {
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// saveCheckpoint writes the state after epoch into the resume folder, at
// once (the file is small), replacing the last one atomically.
func (r *run) saveCheckpoint(epoch int) error {
	rng, err := r.src.MarshalBinary()
	if err != nil {
		return err
	}
	st := checkpointState{Epoch: epoch, AdamSteps: r.opt.t, RNG: base64.StdEncoding.EncodeToString(rng),
		BNUpdates: bnUpdates(r.net), History: r.history, BestIoU: Num(r.bestIoU), Best: r.info.Best, Attempt: os.Getenv("TESSERA_ATTEMPT"),
		Fingerprint: r.fingerprint}
	state, err := json.Marshal(st)
	if err != nil {
		return err
	}
	ts := weightsOf(r.net)
	for i, p := range r.net.params {
		ts = append(ts, namedTensor{Name: "adam.m." + p.name, Shape: p.shape, Data: r.opt.m[i]},
			namedTensor{Name: "adam.v." + p.name, Shape: p.shape, Data: r.opt.v[i]})
	}
	for _, t := range r.best {
		ts = append(ts, namedTensor{Name: "best." + t.Name, Shape: t.Shape, Data: t.Data})
	}
	data, err := encodeSafetensors(ts, map[string]string{"format": checkpointFormat, "state": string(state)})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(r.resumeDir, checkpointFile), data)
}

// resume loads the resume folder's checkpoint of this job, if there is
// one, and returns the last epoch it finished (0: start from scratch). A
// checkpoint of another job or settings, or one that cannot be read, is
// reported and ignored.
func (r *run) resume() (int, error) {
	b, err := os.ReadFile(filepath.Join(r.resumeDir, checkpointFile))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	ts, meta, err := decodeSafetensors(b)
	if err == nil && meta["format"] != checkpointFormat {
		err = fmt.Errorf("format %q", meta["format"])
	}
	var st checkpointState
	if err == nil {
		err = json.Unmarshal([]byte(meta["state"]), &st)
	}
	if err != nil {
		fmt.Fprintf(r.out, "The checkpoint in %s cannot be read (%v): starting over\n", r.resumeDir, err)
		return 0, nil
	}
	if st.Fingerprint != r.fingerprint || st.Epoch < 1 || st.Epoch > r.cfg.Epochs || len(st.History) != st.Epoch {
		fmt.Fprintf(r.out, "The checkpoint in %s is for another training set or settings: starting over\n", r.resumeDir)
		return 0, nil
	}
	take := func(name string, shape []int) ([]float32, error) {
		t, ok := ts[name]
		if !ok || !slices.Equal(t.Shape, shape) {
			return nil, fmt.Errorf("checkpoint: tensor %s is missing or of another shape", name)
		}
		return t.Data, nil
	}
	r.best = nil
	for _, p := range r.net.tensors() {
		w, err := take(p.name, p.shape)
		if err != nil {
			return 0, err
		}
		copy(p.v, w)
		bw, err := take("best."+p.name, p.shape)
		if err != nil {
			return 0, err
		}
		r.best = append(r.best, namedTensor{Name: p.name, Shape: p.shape, Data: bw})
	}
	for i, p := range r.net.params {
		m, err := take("adam.m."+p.name, p.shape)
		if err != nil {
			return 0, err
		}
		v, err := take("adam.v."+p.name, p.shape)
		if err != nil {
			return 0, err
		}
		copy(r.opt.m[i], m)
		copy(r.opt.v[i], v)
	}
	rng, err := base64.StdEncoding.DecodeString(st.RNG)
	if err == nil {
		err = r.src.UnmarshalBinary(rng)
	}
	if err != nil {
		return 0, fmt.Errorf("checkpoint: random state: %w", err)
	}
	if err := setBNUpdates(r.net, st.BNUpdates); err != nil {
		return 0, err
	}
	r.opt.t, r.history, r.bestIoU, r.info.Best = st.AdamSteps, st.History, float64(st.BestIoU), st.Best
	if st.Best == nil {
		r.bestIoU = math.NaN()
	}
	last := st.History[len(st.History)-1]
	r.info.Epochs, r.info.Last = st.Epoch, &last
	attempt := st.Attempt
	if attempt == "" {
		attempt = "?"
	}
	fmt.Fprintf(r.out, "Resuming from the checkpoint of epoch %d of %d (saved by attempt %s): the epochs trained so far were\n",
		st.Epoch, r.cfg.Epochs, attempt)
	for _, m := range st.History {
		printEpoch(r.out, m, r.cfg.Epochs, r.ds.classes)
	}
	// models/ of this attempt's folder gets what the last one had.
	meta2 := map[string]string{"format": ModelFormat, "epoch": strconv.Itoa(st.Epoch)}
	if err := saveWeights(filepath.Join(r.modelsDir(), r.info.Weights.Last), r.net, meta2); err != nil {
		return 0, err
	}
	if st.Best != nil {
		data, err := encodeSafetensors(r.best, map[string]string{"format": ModelFormat, "epoch": strconv.Itoa(st.Best.Epoch)})
		if err == nil {
			err = writeFileAtomic(filepath.Join(r.modelsDir(), r.info.Weights.Best), data)
		}
		if err != nil {
			return 0, err
		}
	}
	return st.Epoch, writeModelInfo(r.modelsDir(), r.info)
}

// newSource is the training run's random source (shuffles, augmentation);
// its state goes into checkpoints.
func newSource(seed int64) *rand.PCG { return rand.NewPCG(uint64(seed), 2) }

// bnUpdates is how many batches each batch norm's running statistics took
// (their momentum depends on it).
func bnUpdates(m *unet) []int {
	var n []int
	for _, l := range m.layers() {
		if l.bn != nil {
			n = append(n, l.bn.updates)
		}
	}
	return n
}

func setBNUpdates(m *unet, n []int) error {
	i := 0
	for _, l := range m.layers() {
		if l.bn == nil {
			continue
		}
		if i >= len(n) {
			return errors.New("checkpoint: fewer batch norm counts than layers")
		}
		l.bn.updates = n[i]
		i++
	}
	return nil
}
