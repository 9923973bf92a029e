// Package labels reads and writes django-labeller's label files and label
// class schemas, rasterises labels into class-index masks exactly as
// django-labeller's render_label_classes does with Pillow, cuts labels drawn
// on a whole image into tiles and back, and exports COCO annotations.
//
// It is pure Go: no database, no HTTP. Errors a user can act on are
// *backend.Error with code EINVALID; a malformed label file's error names
// the file and the line and column of the fault.
package labels
