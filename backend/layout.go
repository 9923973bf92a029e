package backend

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Layout names the folders of a data directory, exactly as the spec lays
// them out:
//
//	<root>/tessera.db
//	<root>/projects/project-{id}/{input_images,tiles,annotations,ml/pipelines}
type Layout struct{ Root string }

func (l Layout) DBPath() string      { return filepath.Join(l.Root, "tessera.db") }
func (l Layout) BrokerDir() string   { return filepath.Join(l.Root, "broker") }
func (l Layout) ProjectsDir() string { return filepath.Join(l.Root, "projects") }
func (l Layout) ProjectDir(id int64) string {
	return filepath.Join(l.ProjectsDir(), fmt.Sprintf("project-%d", id))
}
func (l Layout) InputImagesDir(id int64) string {
	return filepath.Join(l.ProjectDir(id), "input_images")
}
func (l Layout) TilesDir(id int64) string { return filepath.Join(l.ProjectDir(id), "tiles") }
func (l Layout) AnnotationsDir(id int64) string {
	return filepath.Join(l.ProjectDir(id), "annotations")
}

// LabelFile is a tile's django-labeller label file:
// annotations/<tile without extension>__labels.json.
func (l Layout) LabelFile(id int64, tileName string) string {
	return filepath.Join(l.AnnotationsDir(id), strings.TrimSuffix(tileName, filepath.Ext(tileName))+"__labels.json")
}

// DeletedLabelsDir keeps the label files of a deleted image, out of the way
// of a later image's tiles of the same names.
func (l Layout) DeletedLabelsDir(id, imageID int64) string {
	return filepath.Join(l.AnnotationsDir(id), ".deleted", fmt.Sprintf("image-%d", imageID))
}

func (l Layout) PipelinesDir(id int64) string {
	return filepath.Join(l.ProjectDir(id), "ml", "pipelines")
}

// ProjectSubdirs are the folders every project has from its creation on.
func (l Layout) ProjectSubdirs(id int64) []string {
	return []string{l.InputImagesDir(id), l.TilesDir(id), l.AnnotationsDir(id), l.PipelinesDir(id)}
}

// SafeJoin joins a relative, user-supplied path onto base and refuses any
// path that would leave base: absolute paths, "..", and names with NUL.
func SafeJoin(base, rel string) (string, error) {
	if rel == "" || strings.ContainsRune(rel, 0) || filepath.IsAbs(rel) || strings.HasPrefix(rel, `\`) {
		return "", Errorf(EINVALID, "path %q is not a relative path inside the project", rel)
	}
	p := filepath.Join(base, rel)
	r, err := filepath.Rel(base, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return "", Errorf(EINVALID, "path %q leaves the project folder", rel)
	}
	return p, nil
}
