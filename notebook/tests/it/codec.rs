//! Parsing the file format: cells found, their clean bodies, and the
//! byte-for-byte round trip.

use expect_test::{Expect, expect};
use glint_notebook::Notebook;

/// Parses `text`, checks that it writes back unchanged, and lists its cells.
fn check(text: &str, expect: Expect) {
    let actual = match Notebook::parse(text) {
        Ok(nb) => {
            assert_eq!(nb.to_text(), text, "round trip");
            nb.cells()
                .iter()
                .map(|c| {
                    let attrs: Vec<String> = c.attrs().iter().map(|(k, v)| format!("{k}={v:?}")).collect();
                    format!("{:?} [{}] {:?}\n", c.kind(), attrs.join(" "), c.body())
                })
                .collect()
        }
        Err(e) => format!("error: {e}\n"),
    };
    expect.assert_eq(&actual);
}

#[test]
fn sample() {
    check(
        super::SAMPLE,
        expect![[r##"
        Markdown [] "# Checkout experiment\n\nNotes in *Markdown*."
        Params [] "variant = \"B\"\nmin_revenue = 10"
        Sql [name="by_event"] "SELECT event, count(*) AS n FROM events WHERE revenue > $min_revenue GROUP BY event"
        Chart [] "source: by_event\nkind: bar\nx: event\ny: n"
    "##]],
    );
}

#[test]
fn round_trips() {
    check("", expect![[""]]);
    check("\n\n  \n", expect![[""]]);
    check(
        "# Title",
        expect![[r##"
        Markdown [] "# Title"
    "##]],
    );
    check(
        "# Title\r\n\r\n```sql name=a\r\nSELECT 1\r\nFROM events\r\n```\r\n",
        expect![[r##"
        Markdown [] "# Title"
        Sql [name="a"] "SELECT 1\nFROM events"
    "##]],
    );
    check(
        "```sql\nSELECT 1\n```",
        expect![[r#"
        Sql [] "SELECT 1"
    "#]],
    );
    check(
        "\u{FEFF}# BOM\n\n```sql\nSELECT 1\n```\n",
        expect![[r##"
        Markdown [] "# BOM"
        Sql [] "SELECT 1"
    "##]],
    );
    check(
        "text  \n\n\n```sql  \nSELECT 1  \n```  \n\n\n\ntail text \n\n",
        expect![[r#"
        Markdown [] "text  "
        Sql [] "SELECT 1  "
        Markdown [] "tail text "
    "#]],
    );
    check(
        "~~~sql name=t\nSELECT '```'\n~~~\n",
        expect![[r#"
        Sql [name="t"] "SELECT '```'"
    "#]],
    );
    check(
        "````sql name=t\nSELECT 1\n```\n-- still body\n````\n",
        expect![[r#"
        Sql [name="t"] "SELECT 1\n```\n-- still body"
    "#]],
    );
    check(
        "````markdown\n```sql\nSELECT 1\n```\n````\n",
        expect![[r#"
        Markdown [] "````markdown\n```sql\nSELECT 1\n```\n````"
    "#]],
    );
    check(
        "# Code\n\n```python\nprint(1)\n```\n\n```\nplain\n```\n\n```json\n{}\n```\n",
        expect![[r##"
        Markdown [] "# Code\n\n```python\nprint(1)\n```\n\n```\nplain\n```\n\n```json\n{}\n```"
    "##]],
    );
    check(
        "```python\nunclosed, to the end\n```sql\nx\n",
        expect![[r#"
        Markdown [] "```python\nunclosed, to the end\n```sql\nx"
    "#]],
    );
    check(
        "```sql name=\"a\" pin=true title='My query' note=\"say \\\"hi\\\"\"\nSELECT 1\n```\n",
        expect![[r#"
        Sql [name="a" pin="true" title="My query" note="say \"hi\""] "SELECT 1"
    "#]],
    );
    check(
        "```sql\n```\n```sql\n\n```\n```chart\n```\n",
        expect![[r#"
        Sql [] ""
        Sql [] ""
        Chart [] ""
    "#]],
    );
    check(
        "# A\n```sql name=a\nSELECT 1\n```\n```sql name=b\nSELECT * FROM a\n```\ntext\n",
        expect![[r##"
        Markdown [] "# A"
        Sql [name="a"] "SELECT 1"
        Sql [name="b"] "SELECT * FROM a"
        Markdown [] "text"
    "##]],
    );
    check(
        "   ```sql\n   SELECT 1\n   ```\n    ```sql\nindented code\n",
        expect![[r#"
        Sql [] "   SELECT 1"
        Markdown [] "    ```sql\nindented code"
    "#]],
    );
    check(
        "```ab name=test\nexperiment: rec\n```\n```funnel\n```\n```retention\n```\n```trend\n```\n",
        expect![[r#"
        Ab [name="test"] "experiment: rec"
        Funnel [] ""
        Retention [] ""
        Trend [] ""
    "#]],
    );
    check(
        "``` sql name=a\nSELECT 1\n```\n```SQL\nnot a cell\n```\n",
        expect![[r#"
        Sql [name="a"] "SELECT 1"
        Markdown [] "```SQL\nnot a cell\n```"
    "#]],
    );
    check(
        "```sql flag\nSELECT 1\n```\n",
        expect![[r#"
        Sql [flag=""] "SELECT 1"
    "#]],
    );
    check(
        "text\n```sql\nx\n```\n\n \t\n",
        expect![[r#"
        Markdown [] "text"
        Sql [] "x"
    "#]],
    );
    check(
        "mixed\r\nendings\n```sql\r\na\nb\r\n```",
        expect![[r#"
        Markdown [] "mixed\nendings"
        Sql [] "a\nb"
    "#]],
    );
}

#[test]
fn errors() {
    check(
        "# T\n\n```sql name=a\nSELECT 1\n",
        expect![[r#"
        error: line 3: this ```sql cell is never closed: add a line ``` after its body
    "#]],
    );
    check(
        "~~~~chart\nkind: bar\n~~~\n",
        expect![[r#"
        error: line 1: this ~~~~chart cell is never closed: add a line ~~~~ after its body
    "#]],
    );
    check(
        "```sql name=1a\n```\n",
        expect![[r#"
        error: line 1: invalid cell name `1a`: use ASCII letters, digits and `_`, not starting with a digit
    "#]],
    );
    check(
        "```sql name=Events\n```\n",
        expect![[r#"
        error: line 1: `Events` is the name of the event table; choose another cell name
    "#]],
    );
    check(
        "```sql name=a\n```\n\n```chart name=A\n```\n",
        expect![[r#"
        error: line 4: duplicate cell name `A` (also used on line 1)
    "#]],
    );
    check(
        "```sql name=\"a\n```\n",
        expect![[r#"
        error: line 1: unbalanced quote in attribute `name`: close it with "
    "#]],
    );
    check(
        "```sql name=a\"b\n```\n",
        expect![[r#"
        error: line 1: unbalanced quote in attribute `name`: quote the whole value
    "#]],
    );
    check(
        "```sql name=\"a\"b\n```\n",
        expect![[r#"
        error: line 1: malformed attribute `name`: put a space after its closing quote
    "#]],
    );
    check(
        "```sql =x\n```\n",
        expect![[r#"
        error: line 1: malformed attribute `=x`: write key=value or key="quoted value"
    "#]],
    );
    check(
        "```sql name=a name=b\n```\n",
        expect![[r#"
        error: line 1: attribute `name` is given twice
    "#]],
    );
    check(
        "```sql name=\n```\n",
        expect![[r#"
        error: line 1: a cell name cannot be empty
    "#]],
    );
}
