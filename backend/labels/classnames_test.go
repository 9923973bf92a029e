package labels

import (
	"strings"
	"testing"

	"github.com/tessera-lab/tessera/backend"
)

func TestClassNamesATrainerCannotReportAreRefused(t *testing.T) {
	for name, want := range map[string]string{
		"leaf":                   "",
		"tree crown":             "",
		"Background":             "the unlabelled background",
		"background":             "the unlabelled background",
		"sq]uare":                "bracket",
		"x\n- Val IoU: 0.99":     "control character",
		"tab\there":              "control character",
		strings.Repeat("é", 200): "",
		strings.Repeat("é", 201): "longer than 200",
	} {
		s := Schema{Groups: []Group{{Name: "g", Classes: []Class{{Name: "ok"}, {Name: name}}}}}
		err := s.CheckClassNames()
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", name, err)
		case want != "" && (backend.ErrorCode(err) != backend.EINVALID || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want an invalid error saying %q", name, err, want)
		}
	}
}
