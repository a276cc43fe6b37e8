from django.template import Context, Template

from candor.core.markdown import render_markdown


def test_render_markdown_renders_commonmark():
    html = render_markdown("We are **investigating**.\n\n- one\n- two")
    assert html == (
        "<p>We are <strong>investigating</strong>.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
    )


def test_render_markdown_escapes_raw_html():
    html = render_markdown("<script>alert(1)</script> hi")
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; hi</p>\n"


def test_render_markdown_drops_javascript_links():
    html = render_markdown("[click](javascript:alert(1)) and [data](data:text/html;base64,xx)")
    assert html == "<p>[click](javascript:alert(1)) and [data](data:text/html;base64,xx)</p>\n"


def test_sanitize_removes_javascript_href_even_from_html():
    from candor.core.markdown import sanitize

    html = sanitize('<a href="javascript:alert(1)">x</a><a href="JaVaScRiPt:alert(1)">y</a>')
    assert html == '<a rel="nofollow noopener">x</a><a rel="nofollow noopener">y</a>'


def test_render_markdown_marks_links_nofollow_noopener():
    html = render_markdown("[docs](https://example.com/x)")
    assert html == '<p><a href="https://example.com/x" rel="nofollow noopener">docs</a></p>\n'


def test_render_markdown_drops_images_and_event_handlers():
    html = render_markdown('![x](https://example.com/a.png) <img src=x onerror="alert(1)">')
    assert html == '<p> &lt;img src=x onerror="alert(1)"&gt;</p>\n'


def test_render_markdown_empty_text_is_empty():
    assert render_markdown("   ") == ""


def test_markdown_filter_outputs_sanitised_html():
    template = Template("{% load candor_markdown %}{{ text|markdown }}")
    html = template.render(Context({"text": "*hi* <b>x</b>"}))
    assert html == "<p><em>hi</em> &lt;b&gt;x&lt;/b&gt;</p>\n"
