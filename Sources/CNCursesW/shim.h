// The parts of ncursesw that Swift needs, visible from Swift 6.
//
// SwiftPM drops pkg-config's -D flags, so the wide-character API is switched on here, before the
// include. Globals (stdscr, COLORS, COLOR_PAIRS) are not concurrency-safe in Swift 6 and
// function-like macros (attribute masks, ACS/WACS, KEY_F) are invisible: each gets a static
// inline accessor. Editing this header alone does not trigger a rebuild: touch a Swift file.
#ifndef VSCOPE_CNCURSESW_SHIM_H
#define VSCOPE_CNCURSESW_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// MARK: - Globals

static inline FILE *vs_stdin(void) { return stdin; }
static inline FILE *vs_stdout(void) { return stdout; }

static inline WINDOW *vs_stdscr(void) { return stdscr; }
static inline int vs_colors(void) { return COLORS; }
static inline int vs_color_pairs(void) { return COLOR_PAIRS; }

// MARK: - Attribute masks

static inline attr_t vs_a_normal(void) { return A_NORMAL; }
static inline attr_t vs_a_bold(void) { return A_BOLD; }
static inline attr_t vs_a_dim(void) { return A_DIM; }
static inline attr_t vs_a_underline(void) { return A_UNDERLINE; }
static inline attr_t vs_a_reverse(void) { return A_REVERSE; }
static inline attr_t vs_a_italic(void) { return A_ITALIC; }
static inline attr_t vs_a_standout(void) { return A_STANDOUT; }
static inline attr_t vs_color_pair(int pair) { return (attr_t)COLOR_PAIR(pair); }

// MARK: - Keys

static inline int vs_key_f(int n) { return KEY_F(n); }

// MARK: - Line drawing (narrow ACS for 8-bit cells, WACS for cchar_t cells)

static inline chtype vs_acs_hline(void) { return ACS_HLINE; }
static inline chtype vs_acs_vline(void) { return ACS_VLINE; }
static inline chtype vs_acs_ulcorner(void) { return ACS_ULCORNER; }
static inline chtype vs_acs_urcorner(void) { return ACS_URCORNER; }
static inline chtype vs_acs_llcorner(void) { return ACS_LLCORNER; }
static inline chtype vs_acs_lrcorner(void) { return ACS_LRCORNER; }

static inline const cchar_t *vs_wacs_hline(void) { return WACS_HLINE; }
static inline const cchar_t *vs_wacs_vline(void) { return WACS_VLINE; }
static inline const cchar_t *vs_wacs_ulcorner(void) { return WACS_ULCORNER; }
static inline const cchar_t *vs_wacs_urcorner(void) { return WACS_URCORNER; }
static inline const cchar_t *vs_wacs_llcorner(void) { return WACS_LLCORNER; }
static inline const cchar_t *vs_wacs_lrcorner(void) { return WACS_LRCORNER; }
static inline const cchar_t *vs_wacs_ltee(void) { return WACS_LTEE; }
static inline const cchar_t *vs_wacs_rtee(void) { return WACS_RTEE; }

// Thick lines: the focused pane's border.
static inline const cchar_t *vs_wacs_t_hline(void) { return WACS_T_HLINE; }
static inline const cchar_t *vs_wacs_t_vline(void) { return WACS_T_VLINE; }
static inline const cchar_t *vs_wacs_t_ulcorner(void) { return WACS_T_ULCORNER; }
static inline const cchar_t *vs_wacs_t_urcorner(void) { return WACS_T_URCORNER; }
static inline const cchar_t *vs_wacs_t_llcorner(void) { return WACS_T_LLCORNER; }
static inline const cchar_t *vs_wacs_t_lrcorner(void) { return WACS_T_LRCORNER; }

// MARK: - Writing one cell

// POSIX declares wcwidth only under _XOPEN_SOURCE, which the system module was built without.
int wcwidth(wchar_t c);

/// Cells the C library (and so curses) gives a code point in the current locale; -1 when the
/// locale cannot show it.
static inline int vs_wcwidth(wchar_t c) { return wcwidth(c); }

/// Writes `count` code points (at most CCHARW_MAX) at (y, x) with attributes and an extended
/// colour pair; returns OK or ERR (ERR at the bottom-right cell is expected and harmless).
static inline int vs_put_cell(WINDOW *win, int y, int x, const wchar_t *text, int count, attr_t attrs, int pair) {
  wchar_t buffer[CCHARW_MAX + 1];
  int n = count < CCHARW_MAX ? count : CCHARW_MAX;
  for (int i = 0; i < n; i++) buffer[i] = text[i];
  buffer[n] = L'\0';
  cchar_t cell;
  if (setcchar(&cell, buffer, attrs, 0, &pair) == ERR) return ERR;
  return mvwadd_wch(win, y, x, &cell);
}

/// Writes a line-drawing character at (y, x) with attributes and an extended colour pair.
static inline int vs_put_line_cell(WINDOW *win, int y, int x, const cchar_t *glyph, attr_t attrs, int pair) {
  wchar_t text[CCHARW_MAX + 1];
  attr_t glyphAttrs;
  short glyphPair;
  if (getcchar(glyph, text, &glyphAttrs, &glyphPair, NULL) == ERR) return ERR;
  cchar_t cell;
  if (setcchar(&cell, text, attrs | (glyphAttrs & A_ALTCHARSET), 0, &pair) == ERR) return ERR;
  return mvwadd_wch(win, y, x, &cell);
}

#endif
