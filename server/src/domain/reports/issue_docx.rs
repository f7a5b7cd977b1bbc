//! Renders one numbered issue of the bulletin 《社情民意》 as a print-ready DOCX.
//!
//! Layout loosely follows the Chinese official-document conventions (GB/T 9704):
//! red masthead, 方正小标宋 titles, 仿宋 body text with a two-character indent,
//! fixed line spacing and a "— N —" page number in the footer.

use chrono::Datelike;
use docx_rs::{
    AlignmentType, BorderType, Docx, FieldCharType, Footer, InstrPAGE, InstrText, LineSpacing,
    LineSpacingType, PageMargin, Paragraph, ParagraphBorder, ParagraphBorderPosition,
    ParagraphBorders, Run, RunFonts, SpecialIndentType, Tab, TabValueType,
};

/// One report in the issue, in print order.
pub struct IssueReport {
    pub title: String,
    /// Plain text: every non-empty line is a paragraph.
    pub body: String,
    /// Who reflected it (反映人); may be empty.
    pub credits: Vec<String>,
}

pub struct IssueDocument {
    /// e.g. 青山县政协: the masthead says its office compiled the issue.
    pub committee_name: String,
    pub year: i32,
    /// 第N期 within the year.
    pub number: i32,
    pub issued_on: chrono::NaiveDate,
    pub reports: Vec<IssueReport>,
}

const FONT_TITLE: &str = "方正小标宋简体";
const FONT_BODY: &str = "仿宋_GB2312";
const FONT_KAI: &str = "楷体_GB2312";
const FONT_HEI: &str = "黑体";
const FONT_SONG: &str = "宋体";
const RED: &str = "FF0000";

/// Word measures page geometry in twips (1/20 pt); 1 mm = 56.7 twips.
const fn mm(v: i32) -> i32 {
    (v * 567 + 5) / 10
}

// A4 is 210 mm wide; the right-aligned date tab sits exactly at the right margin.
const PAGE_W: i32 = 11906;
const MARGIN_LEFT: i32 = mm(28);
const MARGIN_RIGHT: i32 = mm(26);
const TEXT_WIDTH: i32 = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;

/// 三号 = 16 pt; a first-line indent of two characters is 2 × 16 pt = 640 twips.
const BODY_PT: usize = 16;
const BODY_INDENT: i32 = 2 * 16 * 20;
/// 28.9 pt fixed: the GB/T 9704 grid of 22 lines on a 225 mm text block.
const BODY_LINE: i32 = 578;

/// Names the font for every script slot: Word reads ascii/hAnsi for Latin text and
/// eastAsia for CJK, and WPS falls back oddly when one of them is missing.
fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}

/// A run of text; `pt` is in points, docx sizes are half-points.
fn run(text: &str, font: &str, pt: usize) -> Run {
    Run::new().add_text(text).fonts(fonts(font)).size(pt * 2)
}

/// A paragraph holding a single run, with the paragraph mark styled alike so
/// empty trailing lines and line height follow the same font.
fn para(text: &str, font: &str, pt: usize, align: AlignmentType) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, font, pt))
        .fonts(fonts(font))
        .size(pt * 2)
        .align(align)
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
}

/// Non-empty lines of a body, each one a paragraph. Surrounding whitespace
/// (including full-width spaces typed as a manual indent) is dropped because the
/// paragraph already carries a first-line indent.
fn body_lines(body: &str) -> impl Iterator<Item = &str> {
    body.lines().map(str::trim).filter(|l| !l.is_empty())
}

fn masthead(doc: &IssueDocument) -> Vec<Paragraph> {
    let d = doc.issued_on;
    // 初号 (42 pt): six glyphs need ~89 mm, well inside the 156 mm text width.
    // Colour goes on the run itself: Paragraph::color only styles the paragraph mark.
    let title = Paragraph::new()
        .add_run(run("《社情民意》", FONT_TITLE, 42).color(RED))
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().after(120));
    let number = para(
        &format!("{}年第{}期", doc.year, doc.number),
        FONT_BODY,
        BODY_PT,
        AlignmentType::Center,
    )
    .line_spacing(LineSpacing::new().after(240));

    // Left/right on one line via a right tab at the right margin; the red rule is
    // this paragraph's bottom border (size is in eighths of a point: 12 = 1.5 pt).
    let mut imprint = Paragraph::new()
        .add_run(
            run(
                &format!("{}办公室编", doc.committee_name),
                FONT_BODY,
                BODY_PT,
            )
            .add_tab(),
        )
        .add_run(run(
            &format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            FONT_BODY,
            BODY_PT,
        ))
        .fonts(fonts(FONT_BODY))
        .size(BODY_PT * 2)
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH as usize))
        .line_spacing(LineSpacing::new().after(360));
    // `set_border` alone would start from a full box border, so begin empty.
    imprint.property = imprint.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .val(BorderType::Single)
                .size(12)
                .space(4)
                .color(RED),
        ),
    );
    vec![title, number, imprint]
}

fn contents(reports: &[IssueReport]) -> Vec<Paragraph> {
    let mut out = vec![
        para("本期目录", FONT_HEI, BODY_PT, AlignmentType::Left).line_spacing(exact(BODY_LINE)),
    ];
    for (i, r) in reports.iter().enumerate() {
        out.push(
            para(
                &format!("{}．{}", i + 1, r.title),
                FONT_BODY,
                BODY_PT,
                AlignmentType::Left,
            )
            .indent(Some(BODY_INDENT), None, None, None)
            .line_spacing(exact(BODY_LINE)),
        );
    }
    // Separates the list from the first report title.
    if let Some(last) = out.pop() {
        out.push(last.line_spacing(exact(BODY_LINE).after(360)));
    }
    out
}

fn report(r: &IssueReport, new_page: bool) -> Vec<Paragraph> {
    let title = para(&r.title, FONT_TITLE, 22, AlignmentType::Center)
        .page_break_before(new_page)
        .line_spacing(LineSpacing::new().before(240).after(360));
    let mut out = vec![title];
    for line in body_lines(&r.body) {
        out.push(
            para(line, FONT_BODY, BODY_PT, AlignmentType::Both)
                .indent(
                    None,
                    Some(SpecialIndentType::FirstLine(BODY_INDENT)),
                    None,
                    None,
                )
                .line_spacing(exact(BODY_LINE)),
        );
    }
    if !r.credits.is_empty() {
        let credit = format!("（反映人：{}）", r.credits.join("、"));
        out.push(
            para(&credit, FONT_KAI, BODY_PT, AlignmentType::Right)
                .line_spacing(exact(BODY_LINE).before(BODY_LINE as u32)),
        );
    }
    out
}

/// "— N —" in 四号 (14 pt) 宋体, built from raw field runs because docx-rs's
/// `PageNum` helper emits a run without any font or size.
fn footer() -> Footer {
    let page = Run::new()
        .fonts(fonts(FONT_SONG))
        .size(28)
        .add_field_char(FieldCharType::Begin, false)
        .add_instr_text(InstrText::PAGE(InstrPAGE::new()))
        .add_field_char(FieldCharType::Separate, false)
        .add_text("1")
        .add_field_char(FieldCharType::End, false);
    let p = Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(run("— ", FONT_SONG, 14))
        .add_run(page)
        .add_run(run(" —", FONT_SONG, 14));
    Footer::new().add_paragraph(p)
}

/// Renders the issue and returns the .docx bytes.
pub fn render(doc: &IssueDocument) -> Result<Vec<u8>, String> {
    if doc.reports.is_empty() {
        return Err("本期没有稿件，无法生成《社情民意》".to_string());
    }
    let margin = PageMargin::new()
        .top(mm(37))
        .bottom(mm(35))
        .left(MARGIN_LEFT)
        .right(MARGIN_RIGHT)
        .header(mm(15))
        // Footer text ends ~23 mm above the page edge, i.e. the page number sits
        // about 7 mm under the text block as GB/T 9704 asks.
        .footer(mm(23));
    let mut docx = Docx::new()
        .page_size(PAGE_W as u32, 16838)
        .page_margin(margin)
        .default_fonts(fonts(FONT_BODY))
        .default_size(BODY_PT * 2)
        .footer(footer());

    let mut paras = masthead(doc);
    if doc.reports.len() > 1 {
        paras.extend(contents(&doc.reports));
    }
    for (i, r) in doc.reports.iter().enumerate() {
        paras.extend(report(r, i > 0));
    }
    for p in paras {
        docx = docx.add_paragraph(p);
    }

    let mut buf = std::io::Cursor::new(Vec::new());
    docx.pack(&mut buf)
        .map_err(|e| format!("生成 DOCX 失败: {e}"))?;
    Ok(buf.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> IssueDocument {
        IssueDocument {
            committee_name: "某某县政协".into(),
            year: 2026,
            number: 7,
            issued_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 9).expect("test"),
            reports: vec![
                IssueReport {
                    title: "关于<农村公路> & \"最后一公里\"养护的建议".into(),
                    body: "第一段：路面破损严重。\n\n\n第二段：建议设立养护基金。\n   \n第三段 A&B <c>".into(),
                    credits: vec!["张三（县政协委员、某某单位）".into(), "李四".into()],
                },
                IssueReport {
                    title: "关于居家养老服务的建议".into(),
                    body: "养老服务站覆盖不足。".into(),
                    credits: vec![],
                },
            ],
        }
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("test");
        let mut s = String::new();
        zip.by_name(name)
            .expect("test")
            .read_to_string(&mut s)
            .expect("test");
        s
    }

    /// Text of each `<w:p>` (concatenated `<w:t>` contents, XML-unescaped).
    fn paragraph_texts(xml: &str) -> Vec<String> {
        xml.split("</w:p>")
            .map(|p| {
                let mut text = String::new();
                let mut rest = p;
                while let Some(i) = rest.find("<w:t ").or_else(|| rest.find("<w:t>")) {
                    rest = &rest[i..];
                    let start = rest.find('>').expect("test") + 1;
                    let end = rest.find("</w:t>").expect("test");
                    text.push_str(&rest[start..end]);
                    rest = &rest[end..];
                }
                text.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&")
            })
            .filter(|t| !t.is_empty())
            .collect()
    }

    #[test]
    fn renders_expected_text_in_order() {
        let doc = sample();
        let bytes = render(&doc).expect("test");
        let xml = part(&bytes, "word/document.xml");
        let paras = paragraph_texts(&xml);
        let t0 = doc.reports[0].title.clone();
        let expected = vec![
            "《社情民意》".to_string(),
            "2026年第7期".into(),
            "某某县政协办公室编2026年3月9日".into(),
            "本期目录".into(),
            format!("1．{t0}"),
            "2．关于居家养老服务的建议".into(),
            t0,
            "第一段：路面破损严重。".into(),
            "第二段：建议设立养护基金。".into(),
            "第三段 A&B <c>".into(),
            "（反映人：张三（县政协委员、某某单位）、李四）".into(),
            "关于居家养老服务的建议".into(),
            "养老服务站覆盖不足。".into(),
        ];
        assert_eq!(paras, expected);
        // Blank lines must not become empty indented paragraphs: 3 + 1 body lines.
        assert_eq!(xml.matches(r#"w:firstLine="640""#).count(), 4);
    }

    #[test]
    fn escapes_special_characters() {
        let xml = part(&render(&sample()).expect("test"), "word/document.xml");
        assert!(xml.contains("关于&lt;农村公路&gt; &amp; &quot;最后一公里&quot;养护的建议"));
        assert!(!xml.contains("<农村公路>"));
    }

    #[test]
    fn names_fonts_and_layout() {
        let bytes = render(&sample()).expect("test");
        let xml = part(&bytes, "word/document.xml");
        for font in [FONT_TITLE, FONT_BODY, FONT_KAI] {
            assert!(
                xml.contains(&format!(r#"w:eastAsia="{font}""#)),
                "missing {font}"
            );
            assert!(xml.contains(&format!(r#"w:ascii="{font}""#)));
        }
        // The red colour must sit in the masthead run, right before its text.
        let masthead = xml.find("《社情民意》").expect("test");
        let run_start = xml[..masthead].rfind("<w:r>").expect("test");
        assert!(xml[run_start..masthead].contains(r#"<w:color w:val="FF0000" />"#));
        assert!(
            xml.contains(r#"<w:bottom w:val="single" w:space="4" w:sz="12" w:color="FF0000" />"#)
        );
        assert!(xml.contains(r#"<w:tab w:val="right" w:pos="8844" />"#));
        assert!(xml.contains(r#"w:firstLine="640""#));
        assert!(xml.contains(r#"w:line="578" w:lineRule="exact""#));
        assert!(xml.contains(r#"w:top="2098""#) && xml.contains(r#"w:left="1588""#));
        // Only the second report starts a new page.
        assert_eq!(xml.matches("<w:pageBreakBefore />").count(), 1);
        assert!(part(&bytes, "word/styles.xml").contains(FONT_BODY));
        let footer = part(&bytes, "word/footer1.xml");
        assert!(footer.contains("PAGE") && footer.contains("— "));
    }

    #[test]
    fn single_report_has_no_contents_and_no_credits_line() {
        let mut doc = sample();
        doc.reports.truncate(1);
        doc.reports[0].credits.clear();
        let xml = part(&render(&doc).expect("test"), "word/document.xml");
        assert!(!xml.contains("本期目录"));
        assert!(!xml.contains("反映人"));
        doc.reports.clear();
        assert!(render(&doc).is_err());
    }
}
