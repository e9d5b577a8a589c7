//! Markdown rendering, with raw HTML and script URLs neutralised.

use expect_test::{Expect, expect};
use glint_notebook::markdown::to_html;

fn check(text: &str, expect: Expect) {
    expect.assert_eq(&to_html(text));
}

#[test]
fn features() {
    check(
        "# Title\n\nSome *em* and ~~gone~~.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n",
        expect![[r#"
        <h1>Title</h1>
        <p>Some <em>em</em> and <del>gone</del>.</p>
        <table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>
        <tr><td>1</td><td>2</td></tr>
        </tbody></table>
        <ul>
        <li><input disabled="" type="checkbox" checked=""/>
        done</li>
        <li><input disabled="" type="checkbox"/>
        todo</li>
        </ul>
    "#]],
    );
    check(
        "[ok](https://example.com/a?b=1) [rel](notes.md#x) [mail](mailto:a@b.c)",
        expect![[r#"
        <p><a href="https://example.com/a?b=1">ok</a> <a href="notes.md#x">rel</a> <a href="mailto:a@b.c">mail</a></p>
    "#]],
    );
}

#[test]
fn escaping() {
    check(
        "<script>alert(1)</script>\n\ntext <img src=x onerror=alert(1)> more",
        expect![[r#"
        <p>&lt;script&gt;alert(1)&lt;/script&gt;
        </p>
        <p>text &lt;img src=x onerror=alert(1)&gt; more</p>
    "#]],
    );
    check(
        "<div onclick=\"x()\">\n\n*hi*\n\n</div>",
        expect![[r#"
        <p>&lt;div onclick="x()"&gt;
        </p>
        <p><em>hi</em></p>
        <p>&lt;/div&gt;</p>
    "#]],
    );
    check(
        "[a](javascript:alert(1)) [b](JavaScript:alert(1)) [c](java\tscript:alert(1)) <javascript:alert(1)>",
        expect![[r##"
        <p><a href="#">a</a> <a href="#">b</a> [c](java	script:alert(1)) <a href="#">javascript:alert(1)</a></p>
    "##]],
    );
    check(
        "![i](data:image/svg+xml,<svg onload=alert(1)>) [v](vbscript:msgbox) [r]\n\n[r]: javascript:alert(1)",
        expect![[r##"
        <p>![i](data:image/svg+xml,&lt;svg onload=alert(1)&gt;) <a href="#">v</a> <a href="#">r</a></p>
    "##]],
    );
    check(
        "![img](data:image/png;base64,AAAA) ![ok](https://example.com/i.png \"t\")",
        expect![[r##"
        <p><img src="#" alt="img" /> <img src="https://example.com/i.png" alt="ok" title="t" /></p>
    "##]],
    );
    check(
        "`<b>code</b>`\n\n```\n<script>\n```",
        expect![[r#"
        <p><code>&lt;b&gt;code&lt;/b&gt;</code></p>
        <pre><code>&lt;script&gt;
        </code></pre>
    "#]],
    );
}
