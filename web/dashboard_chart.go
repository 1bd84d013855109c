package web

import (
	"strconv"
	"strings"
)

// The charts are inline SVG computed here, so the page needs no script
// and the Content-Security-Policy stays as strict as on the other pages.
// Sizes are in SVG user units, and the SVG scales to the page width.
const (
	chartWidth  = 720
	chartHeight = 200
	chartLeft   = 56 // room for the y-axis labels
	chartRight  = 8
	chartTop    = 12
	chartBottom = 24 // room for the x-axis labels
)

// Coordinates of the axes and the view box, as SVG attributes.
var (
	axisLeft   = coord(chartLeft)
	axisRight  = coord(chartWidth - chartRight)
	axisTop    = coord(chartTop)
	axisBase   = coord(chartHeight - chartBottom)
	labelRight = coord(chartLeft - 6)
	labelBase  = coord(chartHeight - 6)
	viewBox    = "0 0 " + strconv.Itoa(chartWidth) + " " + strconv.Itoa(chartHeight)
)

// chartAxes are the labels of a chart's axes, with their positions.
type chartAxes struct {
	YMaxLabel string
	XLabels   []chartLabel
}

// chartLabel is one x-axis label.
type chartLabel struct {
	X    string
	Text string
}

// runChart is the bar chart of runs and automated runs per day.
type runChart struct {
	chartAxes
	Bars []runBar
}

// runBar is one day of runChart: the bar of all runs and, inside it, the
// narrower bar of automated runs.
type runBar struct {
	X, Y, W, H     string
	AX, AY, AW, AH string
	Title          string
}

// timeChart is the line chart of the median time to respond per day.
// Days without an ended run break the line.
type timeChart struct {
	chartAxes
	Lines  []string // points attributes of the polylines
	Points []timePoint
}

// timePoint is one day of timeChart with a value.
type timePoint struct {
	X, Y  string
	Title string
}

func plotWidth() float64  { return chartWidth - chartLeft - chartRight }
func plotHeight() float64 { return chartHeight - chartTop - chartBottom }

// slotX returns the left edge and the width of day i of n.
func slotX(i, n int) (float64, float64) {
	slot := plotWidth() / float64(n)
	return chartLeft + float64(i)*slot, slot
}

// scaleY returns the y coordinate of v on an axis from 0 to top.
func scaleY(v, top float64) float64 {
	if top <= 0 {
		return chartTop + plotHeight()
	}
	return chartTop + plotHeight()*(1-v/top)
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// xLabels labels the first, middle and last day of days.
func xLabels(days []DashboardDayView) []chartLabel {
	var labels []chartLabel
	for _, i := range []int{0, len(days) / 2, len(days) - 1} {
		if len(labels) > 0 && labels[len(labels)-1].Text == days[i].Date {
			continue
		}
		x, slot := slotX(i, len(days))
		labels = append(labels, chartLabel{X: coord(x + slot/2), Text: days[i].Date})
	}
	return labels
}

func newRunChart(days []DashboardDayView) runChart {
	top := 0
	for _, d := range days {
		top = max(top, d.Runs)
	}
	chart := runChart{chartAxes: chartAxes{YMaxLabel: strconv.Itoa(top), XLabels: xLabels(days)}}
	base := chartTop + plotHeight()
	for i, d := range days {
		x, slot := slotX(i, len(days))
		y := scaleY(float64(d.Runs), float64(top))
		ay := scaleY(float64(d.Automated), float64(top))
		chart.Bars = append(chart.Bars, runBar{
			X: coord(x + slot*0.1), Y: coord(y), W: coord(slot * 0.8), H: coord(base - y),
			AX: coord(x + slot*0.25), AY: coord(ay), AW: coord(slot * 0.5), AH: coord(base - ay),
			Title: T("dashboard.chart_bar", "date", d.Date, "runs", strconv.Itoa(d.Runs),
				"automated", strconv.Itoa(d.Automated)),
		})
	}
	return chart
}

func newTimeChart(days []DashboardDayView) timeChart {
	var top int64
	for _, d := range days {
		if d.MedianTimeToRespondMS != nil {
			top = max(top, *d.MedianTimeToRespondMS)
		}
	}
	chart := timeChart{chartAxes: chartAxes{YMaxLabel: formatMS(&top), XLabels: xLabels(days)}}
	var line []string
	for i, d := range days {
		if d.MedianTimeToRespondMS == nil {
			chart.Lines = appendLine(chart.Lines, line)
			line = nil
			continue
		}
		x, slot := slotX(i, len(days))
		p := timePoint{
			X: coord(x + slot/2), Y: coord(scaleY(float64(*d.MedianTimeToRespondMS), float64(top))),
			Title: T("dashboard.chart_point", "date", d.Date, "value", formatMS(d.MedianTimeToRespondMS)),
		}
		chart.Points = append(chart.Points, p)
		line = append(line, p.X+","+p.Y)
	}
	chart.Lines = appendLine(chart.Lines, line)
	return chart
}

// appendLine adds the polyline of points to lines when it has two or more
// points. A single point shows as its marker alone.
func appendLine(lines, points []string) []string {
	if len(points) < 2 {
		return lines
	}
	return append(lines, strings.Join(points, " "))
}
