// Command cputrainer runs the CPU trainer outside the tessera binary, and
// writes synthetic jobs to try it on:
//
//	cputrainer --job-dir DIR [--config FILE]
//	cputrainer synth [-tiles 100] [-val 20] [-size 256] [-classes 1] DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu"
	"github.com/tessera-lab/tessera/gpuagent/trainers/cpu/synth"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "synth" {
		os.Exit(synthMain(os.Args[2:]))
	}
	os.Exit(cpu.Main(os.Args[1:], os.Stdout, os.Stderr))
}

func synthMain(args []string) int {
	fs := flag.NewFlagSet("cputrainer synth", flag.ContinueOnError)
	var o synth.Options
	fs.IntVar(&o.Tiles, "tiles", 100, "number of tiles")
	fs.IntVar(&o.Val, "val", 20, "validation tiles among them")
	fs.IntVar(&o.Size, "size", 256, "tile side in pixels")
	fs.IntVar(&o.Classes, "classes", 1, "foreground classes (1 or 2)")
	fs.BoolVar(&o.Grey, "grey", false, "grey images")
	fs.BoolVar(&o.EdgeTiles, "edge", true, "make some tiles smaller, like edge tiles")
	fs.BoolVar(&o.Unlabelled, "unlabelled", true, "leave a band of each mask unlabelled (255)")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: cputrainer synth [flags] DIR")
		return 2
	}
	o.Seed = *seed
	if err := synth.Write(fs.Arg(0), o, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
