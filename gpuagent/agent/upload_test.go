package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A broker that fails for a moment (here: the bucket gone and back, as
// after a restart) does not lose the results: uploads are tried again. One
// that stays down gives an error that is not the trainer's fault.
func TestUploadRetriesWhileTheBrokerFails(t *testing.T) {
	wait, tries := uploadWait, uploadTries
	defer func() { uploadWait, uploadTries = wait, tries }()
	uploadWait = 100 * time.Millisecond
	e := newEnv(t)
	ctx := testCtx(t)
	cfg := jetstream.ObjectStoreConfig{Bucket: "upload-test"}
	obs, err := e.js.CreateObjectStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, ModelsDir), 0o755)
	os.WriteFile(filepath.Join(dir, ModelsDir, "best.bin"), []byte("weights"), 0o644)
	os.WriteFile(filepath.Join(dir, TrainLogFile), []byte("log\n"), 0o644)

	if err := e.js.DeleteObjectStore(ctx, cfg.Bucket); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(250 * time.Millisecond)
		e.js.CreateObjectStore(context.Background(), cfg)
	}()
	st, err := uploadResults(ctx, obs, "j1", dir)
	if err != nil || st.Files != 2 {
		t.Fatalf("upload across a broker hiccup: %+v %v", st, err)
	}
	if b, err := obs.GetBytes(ctx, ArtifactName("j1", "models/best.bin")); err != nil || string(b) != "weights" {
		t.Fatalf("stored weights %q %v", b, err)
	}

	uploadTries = 2
	e.js.DeleteObjectStore(ctx, cfg.Bucket)
	_, err = uploadResults(ctx, obs, "j1", dir)
	var missing *missingResult
	if err == nil || errors.As(err, &missing) {
		t.Fatalf("broker down: %v, want an upload error that is not a missing result", err)
	}
	os.Remove(filepath.Join(dir, ModelsDir, "best.bin"))
	os.Symlink("/etc/hostname", filepath.Join(dir, ModelsDir, "best.bin"))
	e.js.CreateObjectStore(ctx, cfg)
	if st, err := uploadResults(ctx, obs, "j1", dir); err != nil || st.Files != 1 {
		t.Fatalf("a link among the results is skipped: %+v %v", st, err)
	}
}
