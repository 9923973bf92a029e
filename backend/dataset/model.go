package dataset

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/tessera-lab/tessera/backend"
)

// ModelKind is what a trained model's models/model.json says it is: the
// format names the trainer's layout (the CPU trainer's "tessera-cpu-unet/1",
// the GPU trainer's "tessera-upernet-convnext/1").
type ModelKind struct {
	Format  string `json:"format"`
	Trainer string `json:"trainer"`
}

// ReadModelKind reads modelsDir/model.json; an error wrapping
// os.ErrNotExist when there is none.
func ReadModelKind(modelsDir string) (ModelKind, error) {
	var k ModelKind
	b, err := backend.ReadFileMax(filepath.Join(modelsDir, "model.json"), backend.MaxJSONFile)
	if err != nil {
		return k, err
	}
	if err := json.Unmarshal(b, &k); err != nil {
		return k, fmt.Errorf("models/model.json: %w", err)
	}
	return k, nil
}
