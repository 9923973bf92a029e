package agent

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tessera-lab/tessera/backend/jobproto"
)

// detectHardware reports CPU cores, total memory (Linux: /proc/meminfo)
// and the GPUs nvidia-smi lists, if it is installed.
func detectHardware(ctx context.Context) jobproto.Hardware {
	hw := jobproto.Hardware{CPUCores: runtime.NumCPU(), MemoryMB: memTotalMB("/proc/meminfo")}
	if path, err := exec.LookPath("nvidia-smi"); err == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, path, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits").Output()
		if err == nil {
			hw.GPUName, hw.GPUMemoryMB, hw.GPUCount = parseNvidiaSMI(out)
		}
	}
	return hw
}

// memTotalMB reads MemTotal from a meminfo file, 0 if it cannot.
func memTotalMB(file string) int {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.Atoi(f[1])
			return kb / 1024
		}
	}
	return 0
}

// parseNvidiaSMI reads "name, memory MiB" lines: the first GPU's name and
// memory, and how many there are.
func parseNvidiaSMI(out []byte) (name string, memMB, count int) {
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		n, mem, ok := strings.Cut(line, ",")
		if !ok {
			continue
		}
		count++
		if count == 1 {
			name = strings.TrimSpace(n)
			memMB, _ = strconv.Atoi(strings.TrimSpace(mem))
		}
	}
	return name, memMB, count
}
