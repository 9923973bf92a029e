package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tessera-lab/tessera/backend"
	"github.com/tessera-lab/tessera/backend/evaluate"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
)

// loadModel loads the built-in CPU trainer's models, the ones this app
// predicts whole images with.
func loadModel(modelDir string) (evaluate.Predictor, error) {
	p, err := cpu.LoadPredictor(modelDir)
	if err != nil {
		return nil, err
	}
	return p.Predict, nil
}

// runPredict applies a completed job's model to a project's images:
//
//	tessera predict --model JOB_ID --project ID [--image IMG] [--out DIR]
func runPredict(ctx context.Context, args []string, env Env) (*out, error) {
	fs, c := newFlags("predict", env)
	jobID := fs.String("model", "", "the completed training job whose model to apply")
	pid := fs.Int64("project", 0, "project `id`")
	imageArg := fs.String("image", "", "only this image (id or file name)")
	outDir := fs.String("out", "", "also copy each class map and overlay into this `folder`")
	pos, err := parse(fs, args)
	o := &out{env: env, json: c.json}
	if err != nil {
		return o, err
	}
	if len(pos) > 0 {
		return o, backend.Errorf(backend.EINVALID, "unexpected argument %q", pos[0])
	}
	if *jobID == "" || *pid <= 0 {
		return o, backend.Errorf(backend.EINVALID, "say which model and project: --model JOB_ID --project ID")
	}
	inst, err := open(ctx, c)
	if err != nil {
		return o, err
	}
	defer inst.Close()
	ms, err := pickImages(ctx, inst, *pid, *imageArg)
	if err != nil {
		return o, err
	}
	var preds []*evaluate.Prediction
	stems := outStems(ms)
	for _, m := range ms {
		p, err := inst.Evaluate.PredictImage(ctx, *jobID, m.ID)
		if err != nil {
			return o, fmt.Errorf("%s: %w", m.Name, err)
		}
		preds = append(preds, p)
		if *outDir != "" {
			if err := os.MkdirAll(*outDir, 0o755); err != nil {
				return o, err
			}
			for _, f := range []string{"mask.png", "overlay.png"} {
				if err := copyOut(filepath.Join(inst.Evaluate.Dir(m, *jobID), f), filepath.Join(*outDir, stems[m.ID]+"_"+f)); err != nil {
					return o, err
				}
			}
		}
	}
	return o, o.print(map[string]any{"predictions": preds}, func(w io.Writer) {
		for i, p := range preds {
			fmt.Fprintf(w, "%s: %d × %d predicted in %.1f s;", ms[i].Name, p.Width, p.Height, p.Seconds)
			for _, cl := range p.Classes {
				fmt.Fprintf(w, " %s %.1f%%", cl.Name, 100*float64(p.Pixels[cl.Name])/float64(p.Width*p.Height))
			}
			fmt.Fprintln(w)
		}
	})
}

func pickImages(ctx context.Context, inst *Instance, pid int64, which string) ([]*backend.Image, error) {
	ms, err := inst.DB.AllImages(ctx, pid)
	if err != nil {
		return nil, err
	}
	id, _ := strconv.ParseInt(which, 10, 64)
	var out []*backend.Image
	for _, m := range ms {
		if which == "" && m.State == backend.ImageReady || which != "" && (m.ID == id || m.File == which || m.Name == which) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, backend.Errorf(backend.ENOTFOUND, "no ready image to predict in project %d matches %q", pid, which)
	}
	return out, nil
}

// outStems names each image's output files: its file name without the
// extension, or with it ("a_png") where two images share a stem, and a
// number after that where names still meet, so no output overwrites
// another's (names compared without case, as some disks do).
func outStems(ms []*backend.Image) map[int64]string {
	stem := func(m *backend.Image) string { return strings.TrimSuffix(m.File, filepath.Ext(m.File)) }
	count := map[string]int{}
	for _, m := range ms {
		count[strings.ToLower(stem(m))]++
	}
	out := make(map[int64]string, len(ms))
	taken := map[string]bool{}
	for _, m := range ms {
		name := stem(m)
		if count[strings.ToLower(name)] > 1 {
			name = strings.ReplaceAll(m.File, ".", "_")
		}
		for n, base := 2, name; taken[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s_%d", base, n)
		}
		taken[strings.ToLower(name)] = true
		out[m.ID] = name
	}
	return out
}

// copyOut copies a prediction's file out, streaming: a class map can be
// as large as its image.
func copyOut(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
