package main

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

// results holds every sample of every benchmark, by name (without the
// Benchmark prefix and the -GOMAXPROCS suffix) and unit as the benchmark
// printed it ("ns/op", "open-ns/op", "B/file").
type results struct {
	samples map[string]map[string][]float64
	names   []string // in order of first appearance
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

func parseResults(raw []byte) (*results, error) {
	r := &results{samples: map[string]map[string][]float64{}}
	rd := benchfmt.NewReader(bytes.NewReader(raw), rawName)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			name := procsSuffix.ReplaceAllString(rec.Name.String(), "")
			units := r.samples[name]
			if units == nil {
				units = map[string][]float64{}
				r.samples[name] = units
				r.names = append(r.names, name)
			}
			for _, v := range rec.Values {
				// benchfmt tidies ns/op into sec/op; the report keeps
				// the units the benchmarks chose.
				unit, val := v.Unit, v.Value
				if v.OrigUnit != "" {
					unit, val = v.OrigUnit, v.OrigValue
				}
				units[unit] = append(units[unit], val)
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// stat is the median of a benchmark's samples in one unit, with
// benchstat's confidence interval (±pct; NaN when there are too few runs
// for one).
type stat struct {
	median float64
	pct    float64
}

func (r *results) stat(name, unit string) (stat, error) {
	vs := r.samples[name][unit]
	if len(vs) == 0 {
		return stat{}, fmt.Errorf("no %s for benchmark %s in the results", unit, name)
	}
	s := benchmath.AssumeNothing.Summary(benchmath.NewSample(vs, &benchmath.DefaultThresholds), 0.95)
	pct := math.NaN()
	if s.Center != 0 && !math.IsInf(s.Lo, 0) && !math.IsInf(s.Hi, 0) && !math.IsNaN(s.Lo) && !math.IsNaN(s.Hi) && len(vs) > 1 {
		pct = 100 * math.Max(s.Hi-s.Center, s.Center-s.Lo) / s.Center
	}
	return stat{median: s.Center, pct: pct}, nil
}

// subs lists the sub-benchmarks of parent, in the order they ran.
func (r *results) subs(parent string) []string {
	var out []string
	for _, n := range r.names {
		if rest, ok := strings.CutPrefix(n, parent+"/"); ok {
			out = append(out, rest)
		}
	}
	return out
}

// sizes lists the n of the sub-benchmarks parent/key=n, ascending.
func (r *results) sizes(parent, key string) []int {
	var out []int
	for _, s := range r.subs(parent) {
		if v, ok := strings.CutPrefix(s, key+"="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				out = append(out, n)
			}
		}
	}
	sort.Ints(out)
	return out
}
