package digest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The charts are geometry computed here and drawn by the HTML template, so
// every text in them goes through html/template's escaping.

// Spark is a sparkline: one polyline per run of known points and a dot on
// the last point.
type Spark struct {
	W, H       int
	Lines      []string // "x,y x,y ..." per unbroken run
	DotX, DotY string
	HasDot     bool
	Label      string // accessible description: "Jun 3, Jul 5, ..."
}

func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func sparkOf(s Series, u Unit) Spark {
	const w, h, pad = 96, 26, 3
	sp := Spark{W: w, H: h}
	max := s.Max()
	n := len(s.Values)
	if n == 0 {
		return sp
	}
	step := float64(w-2*pad) / float64(max1(n-1))
	var cur []string
	var labels []string
	flush := func() {
		if len(cur) == 1 {
			// a lone point: draw a short tick so it shows
			cur = append(cur, cur[0])
		}
		if len(cur) > 0 {
			sp.Lines = append(sp.Lines, strings.Join(cur, " "))
		}
		cur = nil
	}
	for i, v := range s.Values {
		month := ""
		if i < len(s.Months) {
			month = shortMonth(s.Months[i])
		}
		if !s.Known[i] || math.IsInf(v, 0) || math.IsNaN(v) {
			flush()
			labels = append(labels, month+" –")
			continue
		}
		x := pad + float64(i)*step
		y := float64(h - pad)
		if max > 0 {
			y = float64(h-pad) - v/max*float64(h-2*pad)
		}
		cur = append(cur, num(x)+","+num(y))
		labels = append(labels, month+" "+formatValue(v, u))
		if i == n-1 {
			sp.DotX, sp.DotY, sp.HasDot = num(x), num(y), true
		}
	}
	flush()
	sp.Label = strings.Join(labels, ", ")
	return sp
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}

// sparkText is a text sparkline for Markdown: ▁▂▃▄▅▆▇█, "·" for unknown.
func sparkText(s Series) string {
	blocks := []rune("▁▂▃▄▅▆▇█")
	max := s.Max()
	var b strings.Builder
	for i, v := range s.Values {
		if !s.Known[i] || math.IsInf(v, 0) || math.IsNaN(v) {
			b.WriteRune('·')
			continue
		}
		k := 0
		if max > 0 {
			k = int(math.Round(v / max * float64(len(blocks)-1)))
		}
		b.WriteRune(blocks[max0(min(k, len(blocks)-1))])
	}
	return b.String()
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// Chart is a vertical chart with a y axis: stacked bars or lines.
type Chart struct {
	Title      string // accessible title
	W, H       int
	PlotLeft   string
	PlotRight  string
	Baseline   string
	Ticks      []Tick
	XLabels    []XLabel
	Bars       []Bar
	Totals     []XLabel // value above each stack
	Lines      []ChartLine
	Legend     []LegendEntry
	Empty      bool
	EmptyLabel string
}

// Tick is a horizontal grid line with its label.
type Tick struct {
	Y, Label string
}

// XLabel is a text under (or above) a bar.
type XLabel struct {
	X, Y, Text string
	Strong     bool
}

// Bar is one rectangle of a stack.
type Bar struct {
	X, Y, W, H string
	Class      string
	Title      string
}

// ChartLine is one series of a line chart.
type ChartLine struct {
	Class  string
	Points []string // one polyline per unbroken run
	Dots   []Dot
}

// Dot is a point marker with a tooltip.
type Dot struct {
	X, Y, Title string
}

// LegendEntry names a colour class.
type LegendEntry struct {
	Class, Label string
}

const (
	chartW      = 440
	chartH      = 190
	chartLeft   = 46
	chartRight  = 10
	chartTop    = 18
	chartBottom = 24
)

// niceTicks returns 0 and up to four round steps covering max.
func niceTicks(max float64, u Unit) []float64 {
	if max <= 0 {
		return []float64{0, 1}
	}
	var candidates []float64
	if u == UnitDuration {
		candidates = []float64{60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400, 172800, 345600, 604800, 1209600}
	} else {
		for _, mag := range []float64{0.001, 0.01, 0.1, 1, 10, 100, 1000, 10000, 100000} {
			for _, m := range []float64{1, 2, 2.5, 5} {
				candidates = append(candidates, m*mag)
			}
		}
	}
	step := candidates[len(candidates)-1]
	for _, c := range candidates {
		if max/c <= 4 {
			step = c
			break
		}
	}
	if u == UnitCount && step < 1 {
		step = 1
	}
	var out []float64
	for v := 0.0; v < max+step; v += step {
		out = append(out, v)
		if v >= max {
			break
		}
	}
	return out
}

type stackPart struct {
	Class, Name string
	Series      Series
}

// stackedBars draws one stacked bar per month.
func stackedBars(title string, months []string, parts []stackPart) Chart {
	c := Chart{Title: title, W: chartW, H: chartH}
	totals := make([]float64, len(months))
	for _, p := range parts {
		for i, v := range p.Series.Values {
			if p.Series.Known[i] {
				totals[i] += v
			}
		}
		c.Legend = append(c.Legend, LegendEntry{Class: p.Class, Label: p.Name})
	}
	max := 0.0
	for _, t := range totals {
		max = math.Max(max, t)
	}
	ticks := niceTicks(max, UnitCount)
	top := ticks[len(ticks)-1]
	plotH := float64(chartH - chartTop - chartBottom)
	y := func(v float64) float64 { return float64(chartTop) + plotH - v/top*plotH }
	c.setAxes(ticks, y, UnitCount)
	slot := float64(chartW-chartLeft-chartRight) / float64(max1(len(months)))
	bw := slot * 0.58
	for i, m := range months {
		x := float64(chartLeft) + slot*float64(i) + (slot-bw)/2
		base := 0.0
		for _, p := range parts {
			if !p.Series.Known[i] || p.Series.Values[i] == 0 {
				continue
			}
			v := p.Series.Values[i]
			c.Bars = append(c.Bars, Bar{
				X: num(x), Y: num(y(base + v)), W: num(bw), H: num(y(base) - y(base+v)), Class: p.Class,
				Title: fmt.Sprintf("%s %s: %s", monthName(m), p.Name, formatValue(v, UnitCount)),
			})
			base += v
		}
		cx := num(x + bw/2)
		c.XLabels = append(c.XLabels, XLabel{X: cx, Y: num(float64(chartH - 6)), Text: shortMonth(m), Strong: i == len(months)-1})
		known := false
		for _, p := range parts {
			known = known || p.Series.Known[i]
		}
		if known {
			c.Totals = append(c.Totals, XLabel{X: cx, Y: num(y(totals[i]) - 4), Text: formatValue(totals[i], UnitCount), Strong: i == len(months)-1})
		}
	}
	return c
}

func (c *Chart) setAxes(ticks []float64, y func(float64) float64, u Unit) {
	c.PlotLeft, c.PlotRight, c.Baseline = num(chartLeft), num(chartW-chartRight), num(y(0))
	for _, t := range ticks {
		c.Ticks = append(c.Ticks, Tick{Y: num(y(t)), Label: tickLabel(t, u)})
	}
}

func tickLabel(v float64, u Unit) string {
	if u == UnitDuration {
		return formatDuration(v)
	}
	return formatValue(v, u)
}

type lineSpec struct {
	Class, Name string
	Series      Series
}

// lineChart draws one or more series over the months with a shared y axis.
func lineChart(title string, months []string, u Unit, lines []lineSpec) Chart {
	c := Chart{Title: title, W: chartW, H: chartH}
	max := 0.0
	any := false
	for _, l := range lines {
		max = math.Max(max, l.Series.Max())
		any = any || l.Series.AnyKnown()
		c.Legend = append(c.Legend, LegendEntry{Class: l.Class, Label: l.Name})
	}
	if !any {
		c.Empty, c.EmptyLabel = true, "No data for these months."
	}
	ticks := niceTicks(max, u)
	top := ticks[len(ticks)-1]
	plotH := float64(chartH - chartTop - chartBottom)
	y := func(v float64) float64 { return float64(chartTop) + plotH - v/top*plotH }
	c.setAxes(ticks, y, u)
	slot := float64(chartW-chartLeft-chartRight) / float64(max1(len(months)))
	xOf := func(i int) float64 { return float64(chartLeft) + slot*float64(i) + slot/2 }
	for i, m := range months {
		c.XLabels = append(c.XLabels, XLabel{X: num(xOf(i)), Y: num(float64(chartH - 6)), Text: shortMonth(m), Strong: i == len(months)-1})
	}
	for _, l := range lines {
		cl := ChartLine{Class: l.Class}
		var run []string
		for i, v := range l.Series.Values {
			if !l.Series.Known[i] || math.IsInf(v, 0) || math.IsNaN(v) {
				if len(run) > 0 {
					cl.Points = append(cl.Points, strings.Join(run, " "))
				}
				run = nil
				continue
			}
			pt := num(xOf(i)) + "," + num(y(v))
			run = append(run, pt)
			cl.Dots = append(cl.Dots, Dot{X: num(xOf(i)), Y: num(y(v)), Title: fmt.Sprintf("%s %s: %s", monthName(months[i]), l.Name, formatValue(v, u))})
		}
		if len(run) > 0 {
			cl.Points = append(cl.Points, strings.Join(run, " "))
		}
		c.Lines = append(c.Lines, cl)
	}
	return c
}

// HBar is a horizontal bar drawn in a table cell: Width in percent of the
// cell, Marker (optional) a reference line, e.g. 100% of the budget or the
// previous month.
type HBar struct {
	Width     string
	Marker    string
	HasMarker bool
	Class     string
}

func hbar(v, ref, scale float64, hasRef bool, class string) HBar {
	if scale <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return HBar{Width: "0", Class: class}
	}
	h := HBar{Width: num(math.Min(v/scale, 1) * 100), Class: class}
	if hasRef && !math.IsInf(ref, 0) && !math.IsNaN(ref) {
		h.Marker, h.HasMarker = num(math.Min(ref/scale, 1)*100), true
	}
	return h
}
