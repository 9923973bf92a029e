package backend

// Version is Tessera's version, set at build time with
// -ldflags "-X github.com/tessera-lab/tessera/backend.Version=…".
var Version = "0.1.0-dev"
