//go:build !desktop && !production && !dev

package app

// Available reports whether this build has the desktop window: Wails
// compiles a stub without its build tags.
const Available = false
