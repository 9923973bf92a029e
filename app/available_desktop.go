//go:build desktop || production || dev

package app

// Available reports whether this build has the desktop window.
const Available = true
