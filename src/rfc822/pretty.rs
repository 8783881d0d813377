//! 822print's layout: text as (style, byte) cells rendered with nroff
//! overstrike (`less` shows `_`BS`c` underlined and `c`BS`c` bold), in
//! "left/right" rows padded to 78 columns and "left-only" rows wrapped at 73.

/// A cell style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Under,
    Bold,
}

/// One output character and its style.
pub type Cell = (Style, u8);

/// Styled text: `pre` (plain) followed by `text`; printable bytes get `normal`,
/// anything else is shown as `\ooo` in `odd`. A tab shows as a space, a LF as NUL.
pub fn styled(pre: &str, text: &[u8], normal: Style, odd: Style) -> Vec<Cell> {
    let mut out: Vec<Cell> = pre.bytes().map(|b| (Style::Plain, b)).collect();
    for &b in text {
        let c = match b {
            b'\n' => 0,
            b'\t' => b' ',
            c => c,
        };
        if (32..=126).contains(&c) {
            out.push((normal, c));
        } else {
            out.push((odd, b'\\'));
            for shift in [6, 3, 0] {
                out.push((odd, b'0' + ((c >> shift) & 7)));
            }
        }
    }
    out
}

fn render(out: &mut Vec<u8>, cells: &[Cell]) {
    for &(s, c) in cells {
        match s {
            Style::Plain => {}
            Style::Under => out.extend_from_slice(b"_\x08"),
            Style::Bold => out.extend_from_slice(&[c, 8]),
        }
        out.push(c);
    }
}

fn spaces(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat(b' ').take(n));
}

/// A left-only row, wrapped at 73 columns (at the last space when there is one;
/// the space starts the next line).
pub fn left(out: &mut Vec<u8>, cells: &[Cell]) {
    let mut rest = cells;
    while rest.len() > 73 {
        let i = match rest[..73].iter().rposition(|&(_, c)| c == b' ') {
            Some(0) | None => 73,
            Some(i) => i,
        };
        render(out, &rest[..i]);
        out.push(b'\n');
        rest = &rest[i..];
    }
    render(out, rest);
    out.push(b'\n');
}

/// A left/right row: the right text ends at column 78. When both do not fit
/// in 76 columns they are printed in chunks of at most 50 columns each.
pub fn left_right(out: &mut Vec<u8>, l: &[Cell], r: &[Cell]) {
    let (mut l, mut r) = (l, r);
    while l.len() + r.len() > 76 {
        let i = l.len().min(50);
        let mut j = r.len().min(50);
        if i + j > 76 {
            j = 76 - i;
        }
        render(out, &l[..i]);
        spaces(out, 78 - i - j);
        render(out, &r[..j]);
        out.push(b'\n');
        l = &l[i..];
        r = &r[j..];
    }
    render(out, l);
    spaces(out, 78 - l.len() - r.len());
    render(out, r);
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows() {
        let mut o = Vec::new();
        left_right(
            &mut o,
            &styled("Subject:", b"", Style::Plain, Style::Under),
            &styled("", b"hi", Style::Under, Style::Plain),
        );
        let mut want = b"Subject:".to_vec();
        want.extend(std::iter::repeat(b' ').take(68));
        want.extend_from_slice(b"_\x08h_\x08i\n");
        assert_eq!(o, want);
        let mut o = Vec::new();
        left(
            &mut o,
            &styled("", b"a\tb\xe9\n", Style::Plain, Style::Under),
        );
        assert_eq!(
            o,
            b"a b_\x08\\_\x083_\x085_\x081_\x08\\_\x080_\x080_\x080\n"
        );
        let mut o = Vec::new();
        let long = [b'x'; 100];
        left(&mut o, &styled("", &long, Style::Plain, Style::Plain));
        assert_eq!(o.len(), 102);
        assert_eq!(o[73], b'\n');
    }
}
