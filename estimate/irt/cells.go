package irt

import (
	"fmt"
	"math"

	"github.com/budgetkit/budgetkit/internal/randx"
)

// obsCell is one observed cell.
type obsCell struct {
	i, j int32
	x    float64
}

// respData is a validated response matrix split into train and held-out
// cells, with the train cells indexed by row and by column.
type respData struct {
	n, m        int
	train, held []obsCell
	byRow       [][]obsCell
	byCol       [][]obsCell
}

func splitCells(matrix [][]float64, holdout float64, seed uint64) (*respData, error) {
	if len(matrix) == 0 || len(matrix[0]) == 0 {
		return nil, fmt.Errorf("%w: empty response matrix", ErrInvalid)
	}
	n, m := len(matrix), len(matrix[0])
	rowObs, colObs := make([]int, n), make([]int, m)
	var cells []obsCell
	for i, row := range matrix {
		if len(row) != m {
			return nil, fmt.Errorf("%w: ragged matrix: row %d has %d columns, row 0 has %d", ErrInvalid, i, len(row), m)
		}
		for j, x := range row {
			if math.IsNaN(x) {
				continue
			}
			if !(x >= 0 && x <= 1) {
				return nil, fmt.Errorf("%w: matrix[%d][%d] = %v (must be in [0, 1], or NaN for missing)", ErrInvalid, i, j, x)
			}
			rowObs[i]++
			colObs[j]++
			cells = append(cells, obsCell{int32(i), int32(j), x})
		}
	}
	for i, c := range rowObs {
		if c == 0 {
			return nil, fmt.Errorf("%w: row %d (model) has no observations", ErrInvalid, i)
		}
	}
	for j, c := range colObs {
		if c == 0 {
			return nil, fmt.Errorf("%w: column %d (item) has no observations", ErrInvalid, j)
		}
	}
	dt := &respData{n: n, m: m}
	if holdout > 0 {
		rng := randx.New(seed, 0x401d)
		perm := rng.Perm(len(cells))
		want := int(math.Round(holdout * float64(len(cells))))
		isHeld := make([]bool, len(cells))
		for _, k := range perm {
			if len(dt.held) >= want {
				break
			}
			c := cells[k]
			if rowObs[c.i] > 1 && colObs[c.j] > 1 {
				rowObs[c.i]--
				colObs[c.j]--
				isHeld[k] = true
				dt.held = append(dt.held, c)
			}
		}
		for k, c := range cells {
			if !isHeld[k] {
				dt.train = append(dt.train, c)
			}
		}
	} else {
		dt.train = cells
	}
	dt.byRow = make([][]obsCell, n)
	dt.byCol = make([][]obsCell, m)
	for _, c := range dt.train {
		dt.byRow[c.i] = append(dt.byRow[c.i], c)
		dt.byCol[c.j] = append(dt.byCol[c.j], c)
	}
	return dt, nil
}
