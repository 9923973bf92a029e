package dataset

import (
	"context"
	"sort"
)

// SplitPreview is how a training set would be split, said before it is
// built: which images' tiles train the model and which check it.
type SplitPreview struct {
	SplitBy     string   `json:"split_by"` // "image", or "rows" of the one image
	TrainTiles  int      `json:"train_tiles"`
	ValTiles    int      `json:"val_tiles"`
	TrainImages []string `json:"train_images"`
	ValImages   []string `json:"val_images"`
}

// Preview splits the project's completed tiles as Build would with seed and
// valFraction (0: the default), without writing anything.
func (b *Builder) Preview(ctx context.Context, projectID, seed int64, frac float64) (*SplitPreview, error) {
	ms, _, err := b.trainable(ctx, projectID)
	if err != nil {
		return nil, err
	}
	var md Metadata
	val := split(ms, seed, valFraction(frac), &md)
	p := &SplitPreview{SplitBy: md.SplitBy, TrainImages: []string{}, ValImages: []string{}}
	train, check := map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		if val[m.tile.Name] {
			p.ValTiles++
			check[m.image.Name] = true
		} else {
			p.TrainTiles++
			train[m.image.Name] = true
		}
	}
	for n := range train {
		p.TrainImages = append(p.TrainImages, n)
	}
	for n := range check {
		p.ValImages = append(p.ValImages, n)
	}
	sort.Strings(p.TrainImages)
	sort.Strings(p.ValImages)
	return p, nil
}
