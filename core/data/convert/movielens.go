package convert

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/seminar-ranker/seminar/core/data"
)

// movieLensNote is the Dataset.Note of the converted MovieLens-100K.
const movieLensNote = "MovieLens-100K: every rating is an event (the rating value is dropped). The data has no " +
	"queries, so every event is a search whose query is synthesised from the rated movie's genres " +
	"(for example \"comedy romance\"). Item text is the title without its year; attributes are the " +
	"genres and the release decade."

// MovieLens100K converts the MovieLens 100K files in dir: u.genre (genre names), u.item (movies)
// and u.data (ratings). Items are the movies in id order, with ID the MovieLens id; users are in
// id order, each with their ratings sorted by (time, movie). The movie file is read as UTF-8
// where valid and as Latin-1 (its original encoding) otherwise.
func MovieLens100K(dir string) (*data.Dataset, error) {
	genres, err := readGenres(filepath.Join(dir, "u.genre"))
	if err != nil {
		return nil, err
	}
	movies, err := readMovies(filepath.Join(dir, "u.item"), genres)
	if err != nil {
		return nil, err
	}
	d := &data.Dataset{Name: "ml-100k", Note: movieLensNote, Items: make([]data.Item, len(movies))}
	index := make(map[int]int32, len(movies))
	for i, m := range movies {
		d.Items[i] = m.item
		index[m.id] = int32(i)
	}
	if d.Users, err = readRatings(filepath.Join(dir, "u.data"), index, movies); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("convert: ml-100k: %w", err)
	}
	return d, nil
}

// readGenres returns the genre names by flag position from lines "name|position".
func readGenres(path string) ([]string, error) {
	var genres []string
	err := eachLine(path, func(line string, _ int) error {
		name, pos, ok := strings.Cut(line, "|")
		if !ok || name == "" {
			return fmt.Errorf("want name|position, got %q", line)
		}
		p, err := strconv.Atoi(pos)
		if err != nil || p != len(genres) {
			return fmt.Errorf("genre %q at position %q, want %d", name, pos, len(genres))
		}
		genres = append(genres, name)
		return nil
	})
	if err == nil && len(genres) == 0 {
		err = fmt.Errorf("convert: %s lists no genres", path)
	}
	return genres, err
}

type movie struct {
	id    int
	item  data.Item
	query string // the genres, lower case, in flag order
}

// readMovies parses lines "id|title (year)|release date|video date|URL|flag|flag|...".
func readMovies(path string, genres []string) ([]movie, error) {
	var movies []movie
	queries := make(map[string]string) // shares equal queries between movies
	err := eachLine(path, func(line string, _ int) error {
		f := strings.Split(latin1ToUTF8(line), "|")
		if len(f) != 5+len(genres) {
			return fmt.Errorf("%d fields, want %d", len(f), 5+len(genres))
		}
		id, err := strconv.Atoi(f[0])
		if err != nil || id < 1 {
			return fmt.Errorf("movie id %q is not a positive integer", f[0])
		}
		title := strings.TrimSpace(f[1])
		it := data.Item{ID: f[0], Text: titleWithoutYear(title)}
		var query []string
		for g, flag := range f[5:] {
			switch flag {
			case "1":
				it.Attrs = append(it.Attrs, data.Attr{Field: "genre", Value: genres[g]})
				query = append(query, strings.ToLower(genres[g]))
			case "0":
			default:
				return fmt.Errorf("genre flag %q, want 0 or 1", flag)
			}
		}
		if year, ok := releaseYear(f[2], title); ok {
			it.Attrs = append(it.Attrs, data.Attr{Field: "decade", Value: strconv.Itoa(year/10*10) + "s"})
		}
		q := strings.Join(query, " ")
		if shared, ok := queries[q]; ok {
			q = shared
		} else {
			queries[q] = q
		}
		movies = append(movies, movie{id: id, item: it, query: q})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(movies, func(a, b movie) int { return cmp.Compare(a.id, b.id) })
	for i := 1; i < len(movies); i++ {
		if movies[i].id == movies[i-1].id {
			return nil, fmt.Errorf("convert: %s: movie id %d listed twice", path, movies[i].id)
		}
	}
	return movies, nil
}

// titleWithoutYear drops a trailing " (1995)" from a title.
func titleWithoutYear(title string) string {
	if _, ok := trailingYear(title); ok {
		return strings.TrimSpace(title[:len(title)-len("(1995)")])
	}
	return title
}

// trailingYear parses the "(1995)" that ends most MovieLens titles.
func trailingYear(title string) (int, bool) {
	const n = len("(1995)")
	if len(title) < n || title[len(title)-n] != '(' || title[len(title)-1] != ')' {
		return 0, false
	}
	year, err := strconv.Atoi(title[len(title)-n+1 : len(title)-1])
	return year, err == nil && year > 0
}

// releaseYear takes the year from a release date such as "01-Jan-1995", else from the title.
func releaseYear(date, title string) (int, bool) {
	if i := strings.LastIndexByte(date, '-'); i >= 0 {
		if year, err := strconv.Atoi(date[i+1:]); err == nil && year > 0 {
			return year, true
		}
	}
	return trailingYear(title)
}

type rating struct {
	user  int
	movie int32 // item index
	time  int64
}

// readRatings parses lines "user \t movie \t rating \t time" into users' search events.
func readRatings(path string, index map[int]int32, movies []movie) ([]data.User, error) {
	var ratings []rating
	err := eachLine(path, func(line string, _ int) error {
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			return fmt.Errorf("%d fields, want 4 (user, item, rating, time)", len(f))
		}
		user, err := strconv.Atoi(f[0])
		if err != nil || user < 1 {
			return fmt.Errorf("user id %q is not a positive integer", f[0])
		}
		id, err := strconv.Atoi(f[1])
		if err != nil {
			return fmt.Errorf("movie id %q is not an integer", f[1])
		}
		item, ok := index[id]
		if !ok {
			return fmt.Errorf("movie %d is not in u.item", id)
		}
		t, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			return fmt.Errorf("time %q is not an integer", f[3])
		}
		ratings = append(ratings, rating{user: user, movie: item, time: t})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ratings) == 0 {
		return nil, errors.New("convert: " + path + " has no ratings")
	}
	slices.SortFunc(ratings, func(a, b rating) int {
		return cmp.Or(cmp.Compare(a.user, b.user), cmp.Compare(a.time, b.time), cmp.Compare(a.movie, b.movie))
	})
	var users []data.User
	for i := 0; i < len(ratings); {
		j := i
		for j < len(ratings) && ratings[j].user == ratings[i].user {
			j++
		}
		events := make([]data.Event, j-i)
		for k := range events {
			r := ratings[i+k]
			events[k] = data.Event{Time: r.time, Kind: data.Search, Query: movies[r.movie].query, Item: r.movie}
		}
		users = append(users, data.User{ID: strconv.Itoa(ratings[i].user), Events: events})
		i = j
	}
	return users, nil
}
