package jobproto

import "time"

// WorkerInfo is an agent's heartbeat, put in the workers KV bucket under
// key = Name every ~15 s; the bucket's TTL ages out a dead agent.
type WorkerInfo struct {
	ID          string        `json:"id"` // random per agent run
	Name        string        `json:"name"`
	Pool        string        `json:"pool"`
	Hardware    Hardware      `json:"hardware"`
	Trainers    []TrainerInfo `json:"trainers"`
	CurrentJobs []string      `json:"current_jobs"`
	Slots       int           `json:"slots"` // jobs it runs at once
	Version     string        `json:"version"`
	StartedAt   time.Time     `json:"started_at"`
	LastSeen    time.Time     `json:"last_seen"`
}

// Hardware is what an agent trains on. GPU fields are empty without one.
type Hardware struct {
	CPUCores    int    `json:"cpu_cores"`
	MemoryMB    int    `json:"memory_mb"`
	GPUName     string `json:"gpu_name,omitempty"`
	GPUMemoryMB int    `json:"gpu_memory_mb,omitempty"`
	GPUCount    int    `json:"gpu_count,omitempty"`
}

// TrainerInfo describes a trainer an agent offers, with the schema of the
// config it takes (the spec's worker config_schema).
type TrainerInfo struct {
	Name         string `json:"name"`
	Label        string `json:"label"`
	Description  string `json:"description"`
	ConfigSchema Schema `json:"config_schema"`
}
