package tiling

import (
	"fmt"
	"testing"
)

func TestTileGrid(t *testing.T) {
	for _, c := range []struct {
		w, h, size, overlap int
		cols, rows          int
		lastX, lastW        int // of the last column
		lastY, lastH        int // of the last row
	}{
		{1024, 512, 512, 0, 2, 1, 512, 512, 0, 512},          // exact multiples
		{1000, 700, 512, 0, 2, 2, 512, 488, 512, 188},        // partial edges
		{512, 512, 512, 0, 1, 1, 0, 512, 0, 512},             // one tile exactly
		{100, 50, 512, 0, 1, 1, 0, 100, 0, 50},               // smaller than a tile
		{1, 1, 512, 0, 1, 1, 0, 1, 0, 1},                     // one pixel
		{1000, 512, 512, 64, 3, 1, 896, 104, 0, 512},         // overlap: stride 448
		{960, 960, 512, 64, 2, 2, 448, 512, 448, 512},        // overlap, ends exactly
		{961, 513, 512, 64, 3, 2, 896, 65, 448, 65},          // overlap, one pixel over
		{300, 200, 100, 99, 201, 101, 200, 100, 100, 100},    // stride 1
		{513, 1, 512, 0, 2, 1, 512, 1, 0, 1},                 // one column of one pixel
		{10000, 10000, 512, 0, 20, 20, 9728, 272, 9728, 272}, // the benchmark's grid
	} {
		t.Run(fmt.Sprintf("%dx%d/%d-%d", c.w, c.h, c.size, c.overlap), func(t *testing.T) {
			tiles := TileGrid(c.w, c.h, c.size, c.overlap)
			if len(tiles) != c.cols*c.rows {
				t.Fatalf("%d tiles, want %d × %d", len(tiles), c.cols, c.rows)
			}
			last := tiles[len(tiles)-1]
			if last.Col != c.cols-1 || last.Row != c.rows-1 || last.X != c.lastX || last.W != c.lastW || last.Y != c.lastY || last.H != c.lastH {
				t.Errorf("last tile %+v; want col %d x %d w %d, row %d y %d h %d", last, c.cols-1, c.lastX, c.lastW, c.rows-1, c.lastY, c.lastH)
			}
			stride := c.size - c.overlap
			covered := make([]bool, c.w) // every column of pixels is in a tile
			for i, tl := range tiles {
				if tl.Row != i/c.cols || tl.Col != i%c.cols || tl.X != tl.Col*stride || tl.Y != tl.Row*stride {
					t.Fatalf("tile %d = %+v", i, tl)
				}
				if tl.W != min(c.size, c.w-tl.X) || tl.H != min(c.size, c.h-tl.Y) || tl.W <= 0 || tl.H <= 0 {
					t.Fatalf("tile %d = %+v: wrong size", i, tl)
				}
				if tl.Row == 0 {
					for x := tl.X; x < tl.X+tl.W; x++ {
						covered[x] = true
					}
				}
			}
			for x, ok := range covered {
				if !ok {
					t.Fatalf("column %d is in no tile", x)
				}
			}
			// Only the last column reaches the right edge.
			for _, tl := range tiles {
				if tl.Col < c.cols-1 && tl.X+c.size >= c.w {
					t.Fatalf("tile %+v reaches the edge before the last column", tl)
				}
			}
		})
	}
}

func TestTileNames(t *testing.T) {
	tiles := TileGrid(1100, 600, 512, 0)
	if tiles[0].File != "r000_c000.png" || tiles[len(tiles)-1].File != "r001_c002.png" {
		t.Errorf("names %q … %q", tiles[0].File, tiles[len(tiles)-1].File)
	}
	grid, err := TileOptions{Size: 10, Prefix: "slide-7"}.Grid(12000, 25)
	if err != nil {
		t.Fatal(err)
	}
	// 1200 columns: four digits, for rows too, so names sort in grid order.
	if grid[0].File != "slide-7_r0000_c0000.png" || grid[1199].File != "slide-7_r0000_c1199.png" {
		t.Errorf("names %q, %q", grid[0].File, grid[1199].File)
	}
	grid, _ = TileOptions{Prefix: "a"}.Grid(600, 600)
	if len(grid) != 4 || grid[3].File != "a_r001_c001.png" || grid[3].W != 88 {
		t.Errorf("default size: %+v", grid)
	}
}

func TestTileGridInvalid(t *testing.T) {
	for _, c := range [][4]int{{100, 100, 0, 0}, {100, 100, -5, 0}, {100, 100, 64, 64}, {100, 100, 64, -1}, {0, 100, 64, 0}, {100, -1, 64, 0}} {
		if g := TileGrid(c[0], c[1], c[2], c[3]); g != nil {
			t.Errorf("TileGrid%v = %d tiles; want nil", c, len(g))
		}
	}
}
