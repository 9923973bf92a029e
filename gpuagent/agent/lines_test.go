package agent

import (
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReadLines(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"plain", "a\nb\n", []string{"a", "b"}},
		{"no final newline", "a\nb", []string{"a", "b"}},
		{"blank lines kept", "a\n\n\nb\n", []string{"a", "", "", "b"}},
		{"CRLF", "a\r\nb\r\n", []string{"a", "b"}},
		{"progress bar redraws", "\r 10%\r 50%\r100%\ndone\n", []string{" 10%", " 50%", "100%", "done"}},
		{"CR then blank line", "a\r\n\r\nb", []string{"a", "", "b"}},
		{"long line cut", strings.Repeat("x", 25) + "\nok\n", []string{strings.Repeat("x", 10) + " … [15 more bytes cut]", "ok"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		for _, split := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if split {
				r = iotest.OneByteReader(r) // line ends across reads
			}
			var got []string
			if err := readLines(r, 10, func(s string) { got = append(got, s) }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s (one byte reads %v): got %q want %q", tt.name, split, got, tt.want)
			}
		}
	}
}

func TestHardwareParsing(t *testing.T) {
	name, mem, n := parseNvidiaSMI([]byte("NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n"))
	if name != "NVIDIA H100 80GB HBM3" || mem != 81559 || n != 2 {
		t.Errorf("nvidia-smi: %q %d %d", name, mem, n)
	}
	if name, _, n := parseNvidiaSMI([]byte("No devices were found\n")); name != "" || n != 0 {
		t.Errorf("no GPU: %q %d", name, n)
	}
	dir := t.TempDir()
	file := dir + "/meminfo"
	writeFile(t, file, "MemFree:  1 kB\nMemTotal:       16314064 kB\n")
	if got := memTotalMB(file); got != 15931 {
		t.Errorf("MemTotal %d", got)
	}
	if got := memTotalMB(dir + "/none"); got != 0 {
		t.Errorf("no meminfo: %d", got)
	}
}
