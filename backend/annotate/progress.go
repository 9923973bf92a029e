package annotate

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/tessera-lab/tessera/backend"
)

// Progress is a project's labelling progress.
type Progress struct {
	Images   []backend.ImageProgress `json:"images"`
	Tiles    int                     `json:"tiles"`
	Labelled int                     `json:"labelled"`
	Complete int                     `json:"complete"`
	Classes  []ClassCount            `json:"classes"`
	Users    []backend.UserEffort    `json:"users"`
}

// ClassCount is how many labels a class has.
type ClassCount struct {
	Name   string `json:"name"`
	Labels int    `json:"labels"`
}

// Progress counts tiles labelled and complete per image, labels per class
// and each person's tiles and time.
func (s *Service) Progress(ctx context.Context, projectID int64) (*Progress, error) {
	if _, err := s.Store.FindProjectByID(ctx, projectID); err != nil {
		return nil, err
	}
	imgs, err := s.Store.ImageTileCounts(ctx, projectID)
	if err != nil {
		return nil, err
	}
	as, err := s.Store.FindAnnotations(ctx, projectID)
	if err != nil {
		return nil, err
	}
	byImage := map[int64]*backend.ImageProgress{}
	p := &Progress{Images: imgs}
	for i := range imgs {
		byImage[imgs[i].ImageID] = &imgs[i]
		p.Tiles += imgs[i].Tiles
	}
	counts := map[string]int{}
	for _, a := range as {
		ip := byImage[a.ImageID]
		if ip == nil {
			continue
		}
		if a.Labels > 0 {
			ip.Labelled++
			p.Labelled++
		}
		if a.Complete {
			ip.Complete++
			p.Complete++
		}
		var cs map[string]int
		_ = json.Unmarshal([]byte(a.Classes), &cs)
		for c, n := range cs {
			counts[c] += n
		}
	}
	sch, err := s.Schema(ctx, projectID)
	if err != nil {
		return nil, err
	}
	p.Classes = []ClassCount{}
	seen := map[string]bool{}
	for _, c := range sch.Classes() { // schema order first, then unknown classes
		p.Classes = append(p.Classes, ClassCount{Name: c.Name, Labels: counts[c.Name]})
		seen[c.Name] = true
	}
	var rest []string
	for c := range counts {
		if !seen[c] {
			rest = append(rest, c)
		}
	}
	sort.Strings(rest)
	for _, c := range rest {
		p.Classes = append(p.Classes, ClassCount{Name: c, Labels: counts[c]})
	}
	if p.Users, err = s.Store.AnnotationTime(ctx, projectID); err != nil {
		return nil, err
	}
	return p, nil
}
