package convert

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
)

const tikTokNote = "TikTok micro-videos: every user-item pair of trn.tsv, val.tsv and tst.tsv is a browse " +
	"event. The data has no timestamps: event times are synthetic, the pair's position over the files " +
	"read in that order (trn, then val, then tst), so only that order is real. Items carry no text or " +
	"attributes; their dense slots \"image\" and \"audio\" are the 128-wide features of " +
	"image_feat.npy and audio_feat.npy (float16 widened to float32)."

// TikTok converts the TikTok files in dir: image_feat.npy and audio_feat.npy (one row per item)
// and the user-item pairs of trn.tsv, val.tsv and tst.tsv ("user \t item", with a header line).
// Item i is row i of the feature files, with ID its number; users are in numeric order.
func TikTok(dir string) (*data.Dataset, error) {
	d := &data.Dataset{Name: "tiktok", Note: tikTokNote}
	var features []NPY
	for _, slot := range []string{"image", "audio"} {
		a, err := readNPYFile(filepath.Join(dir, slot+"_feat.npy"))
		if err != nil {
			return nil, err
		}
		if len(a.Shape) != 2 {
			return nil, fmt.Errorf("convert: %s_feat.npy has shape %v, want (items, width)", slot, a.Shape)
		}
		if len(features) > 0 && a.Rows() != features[0].Rows() {
			return nil, fmt.Errorf("convert: %s_feat.npy has %d rows, image_feat.npy %d", slot, a.Rows(), features[0].Rows())
		}
		d.DenseNames = append(d.DenseNames, slot)
		d.DenseDims = append(d.DenseDims, a.Cols())
		features = append(features, a)
	}
	d.Items = make([]data.Item, features[0].Rows())
	for i := range d.Items {
		dense := make([][]float32, len(features))
		for k, a := range features {
			dense[k] = a.Row(i)
		}
		d.Items[i] = data.Item{ID: strconv.Itoa(i), Dense: dense}
	}
	type pair struct {
		user int
		item int32
		time int64
	}
	var pairs []pair
	for _, file := range []string{"trn.tsv", "val.tsv", "tst.tsv"} {
		err := eachLine(filepath.Join(dir, file), func(line string, n int) error {
			u, it, ok := strings.Cut(line, "\t")
			if n == 1 && u == "user" && it == "item" {
				return nil
			}
			user, err1 := strconv.Atoi(u)
			item, err2 := strconv.Atoi(it)
			if !ok || err1 != nil || err2 != nil || user < 0 {
				return fmt.Errorf("want user \\t item as numbers, got %q", line)
			}
			if item < 0 || item >= len(d.Items) {
				return fmt.Errorf("item %d outside the %d rows of the feature files", item, len(d.Items))
			}
			pairs = append(pairs, pair{user: user, item: int32(item), time: int64(len(pairs))})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(a.user, b.user) })
	for i := 0; i < len(pairs); {
		j := i
		for j < len(pairs) && pairs[j].user == pairs[i].user {
			j++
		}
		events := make([]data.Event, j-i)
		for k := range events {
			events[k] = data.Event{Time: pairs[i+k].time, Kind: data.Browse, Item: pairs[i+k].item}
		}
		d.Users = append(d.Users, data.User{ID: strconv.Itoa(pairs[i].user), Events: events})
		i = j
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("convert: tiktok: %w", err)
	}
	return d, nil
}

func readNPYFile(path string) (NPY, error) {
	f, err := os.Open(path)
	if err != nil {
		return NPY{}, fmt.Errorf("convert: %w", err)
	}
	defer f.Close()
	a, err := ReadNPY(f)
	if err != nil {
		return NPY{}, fmt.Errorf("convert: %s: %w", filepath.Base(path), err)
	}
	return a, nil
}
