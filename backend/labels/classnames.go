package labels

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tessera-lab/tessera/backend"
)

// BackgroundName is what trainers call mask value 0, the unlabelled
// background; a class of that name would be reported as the background.
const BackgroundName = "background"

// MaxClassName is the longest class name, in characters, that a trainer's
// "- Class IoU [name]: x" line carries.
const MaxClassName = 200

// CheckClassNames refuses class names a trainer cannot report: the
// background's name, brackets and control characters (they would end or
// forge a metric line), and names over MaxClassName characters. Schemas
// saved before this rule still load; saving or training them asks for a
// rename.
func (s Schema) CheckClassNames() error {
	for _, c := range s.Classes() {
		if problem := classNameProblem(c.Name); problem != "" {
			return backend.Errorf(backend.EINVALID, "class %q %s; rename it", c.Name, problem)
		}
	}
	return nil
}

func classNameProblem(name string) string {
	switch {
	case strings.EqualFold(name, BackgroundName):
		return "has the name trainers give the unlabelled background"
	case strings.ContainsAny(name, "[]"):
		return "contains a bracket, which would end its line in a training log"
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "contains a control character (a line break or tab)"
	case utf8.RuneCountInString(name) > MaxClassName:
		return "is longer than 200 characters"
	}
	return ""
}
