package main

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// callsChart draws call cost per mechanism as grouped bars on a log
// scale: the mechanisms differ by orders of magnitude.
func (rep *report) callsChart() ([]byte, error) {
	mechs := rep.calls.mechanisms
	p, err := logBars("Call cost per mechanism", "ns/op (log scale)", "call times", mechs, callFuncs, vg.Points(14),
		func(fn, mech int) (float64, bool) {
			s, ok := rep.calls.ns[callFuncs[fn]][mechs[mech]]
			return s.median, ok
		})
	if err != nil {
		return nil, err
	}
	return svg([][]*plot.Plot{{p}}, 8*vg.Inch, 4*vg.Inch)
}

// serveChart draws host serve's latency percentiles per plugin mode, as
// grouped bars on a log scale.
func (rep *report) serveChart() ([]byte, error) {
	var modes []string
	for _, r := range rep.serve {
		modes = append(modes, r.mode)
	}
	p, err := logBars("host serve: POST /log latency per logger mode", "µs (log scale)", "serving latencies", modes, []string{"p50", "p99"}, vg.Points(24),
		func(q, mode int) (float64, bool) {
			r := rep.serve[mode]
			if q == 0 {
				return r.p50.median / 1e3, true
			}
			return r.p99.median / 1e3, true
		})
	if err != nil {
		return nil, err
	}
	return svg([][]*plot.Plot{{p}}, 6*vg.Inch, 4*vg.Inch)
}

// logBars is the bar chart both call cost and serving latency need: a
// group of bars per category along x, a bar per series in each group,
// value(series, category) its height (false: no bar), on a log scale.
// what names the values when none is positive to draw.
func logBars(title, yLabel, what string, categories, series []string, width vg.Length, value func(series, category int) (float64, bool)) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = yLabel
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	lowest := math.Inf(1)
	for i := range series {
		for j := range categories {
			if v, ok := value(i, j); ok {
				lowest = math.Min(lowest, v)
			}
		}
	}
	if math.IsInf(lowest, 0) || lowest <= 0 {
		return nil, fmt.Errorf("no positive %s to draw", what)
	}
	// Bars start from 0, which a log scale cannot show; they stand on
	// an undrawn base instead, so each bar's top is still its value. The
	// base is a decade below the power of ten under the lowest value: on
	// the power of ten itself, a value just above it (1.1 ms on a 1 ms
	// floor) drew a sliver of a bar on an axis of one decade.
	floor := math.Pow10(int(math.Floor(math.Log10(lowest))) - 1)
	for i, name := range series {
		base := make(plotter.Values, len(categories))
		tops := make(plotter.Values, len(categories))
		for j := range categories {
			base[j] = floor
			if v, ok := value(i, j); ok {
				tops[j] = v - floor
			}
		}
		under, err := plotter.NewBarChart(base, width)
		if err != nil {
			return nil, err
		}
		under.Offset = width * vg.Length(float64(i)-float64(len(series)-1)/2)
		bars, err := plotter.NewBarChart(tops, width)
		if err != nil {
			return nil, err
		}
		bars.StackOn(under)
		bars.Color = plotutil.Color(i)
		bars.LineStyle.Width = 0
		p.Add(bars)
		p.Legend.Add(name, bars)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(10)
	p.NominalX(categories...)
	// Half a slot either side, so the outer bars clear the plot's edges.
	p.X.Min, p.X.Max = -0.5, float64(len(categories))-0.5
	p.Y.Min = floor
	// Room above the tallest bar for the legend.
	p.Y.Max *= 10
	return p, nil
}

// scaleChart draws how costs grow, on log-log axes: load time against
// plugins (next to go-plugin client starts), bindgen time and the
// generated file's size against symbols.
func (rep *report) scaleChart() ([]byte, error) {
	const ms = 1e6
	load := logLog("Load time against plugins", "plugins", "ms")
	var inProc, wall plotter.XYs
	for _, r := range rep.load {
		inProc = append(inProc, plotter.XY{X: float64(r.plugins), Y: r.load.median / ms})
		wall = append(wall, plotter.XY{X: float64(r.plugins), Y: r.wall.median / ms})
	}
	lines := []any{"plugkit load + bind, in process", inProc, "plugkit probe process, start to exit", wall}
	if len(rep.load) > 0 {
		lo, hi := float64(rep.load[0].plugins), float64(rep.load[len(rep.load)-1].plugins)
		for _, s := range rep.starts {
			// go-plugin starts one process per plugin: N plugins, N client
			// starts, drawn from the measured time of one.
			var xy plotter.XYs
			for _, r := range rep.load {
				xy = append(xy, plotter.XY{X: float64(r.plugins), Y: float64(r.plugins) * s.ns.median / ms})
			}
			if lo == hi {
				xy = append(xy, plotter.XY{X: hi, Y: hi * s.ns.median / ms})
			}
			lines = append(lines, "N × go-plugin client start ("+s.mechanism+")", xy)
		}
	}
	if err := plotutil.AddLinePoints(load, lines...); err != nil {
		return nil, err
	}

	gen := logLog("bindgen time against symbols", "symbols", "ms")
	size := logLog("Generated file against symbols", "symbols", "KiB")
	var genXY, sizeXY plotter.XYs
	for _, r := range rep.bindgen {
		genXY = append(genXY, plotter.XY{X: float64(r.symbols), Y: r.ns.median / ms})
		sizeXY = append(sizeXY, plotter.XY{X: float64(r.symbols), Y: r.size.median / 1024})
	}
	if err := plotutil.AddLinePoints(gen, "bindgen", genXY); err != nil {
		return nil, err
	}
	if err := plotutil.AddLinePoints(size, "generated bindings", sizeXY); err != nil {
		return nil, err
	}
	return svg([][]*plot.Plot{{load, gen, size}}, 15*vg.Inch, 5*vg.Inch)
}

func logLog(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x + " (log scale)"
	p.Y.Label.Text = y + " (log scale)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	// Costs grow up and to the right; the upper left stays clear.
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Points(10)
	p.Add(plotter.NewGrid())
	return p
}

// svg draws plots side by side into one SVG document, axes aligned.
func svg(plots [][]*plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	dc := draw.New(c)
	pad := vg.Points(12)
	tiles := draw.Tiles{
		Rows: len(plots), Cols: len(plots[0]),
		PadX: pad * 2, PadY: pad, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad,
	}
	canvases := plot.Align(plots, tiles, dc)
	for i, row := range plots {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
