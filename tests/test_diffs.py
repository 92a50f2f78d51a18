"""The console's readable diffs (arcadia.diffs): a changes dict as changelog lines."""

from __future__ import annotations

from django.utils.safestring import SafeString

from arcadia.diffs import render_changes, render_value


def test_a_scalar_change_reads_field_old_arrow_new():
    html = render_changes({"size_slug": ["s-1vcpu-1gb", "s-2vcpu-4gb"]})

    assert isinstance(html, SafeString)
    assert html == (
        '<ul class="diff"><li><span class="diff-field">size_slug</span>: '
        '<span class="diff-old"><code class="diff-value" title="s-1vcpu-1gb">s-1vcpu-1gb'
        '</code></span> → <span class="diff-new"><code class="diff-value" '
        'title="s-2vcpu-4gb">s-2vcpu-4gb</code></span></li></ul>'
    )


def test_lists_read_as_the_items_added_and_removed():
    html = render_changes({"tags": [["web", "prod"], ["web", "oops"]]})

    assert '<li class="diff-added">+ <code class="diff-value" title="oops">oops</code>' in html
    assert '<li class="diff-removed">- <code class="diff-value" title="prod">prod</code>' in html
    assert "web" not in html  # kept on both sides: not a change


def test_a_reordered_list_says_so():
    assert "reordered" in render_changes({"tags": [["a", "b"], ["b", "a"]]})


def test_objects_fold_the_changed_keys_in_details():
    html = render_changes({"pool": [{"count": 3, "size": "s-2"}, {"count": 5, "size": "s-2"}]})

    assert html.count("<details") == 1 and "1 key changed" in html
    assert '<span class="diff-field">count</span>' in html
    assert '<span class="diff-field">size</span>' not in html  # unchanged key


def test_a_key_present_on_one_side_only_reads_absent():
    html = render_changes({"spec": [{}, {"region": "nyc3"}]})

    assert "(absent)" in html and "nyc3" in html


def test_values_are_escaped():
    html = render_changes({"<b>f</b>": ["<script>", None]})

    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;f&lt;/b&gt;" in html
    assert '<span class="diff-null">null</span>' in html


def test_a_value_that_is_not_an_old_new_pair_is_shown_as_it_is():
    html = render_changes({"note": "created"})

    assert 'title="created">created</code>' in html and "→" not in html


def test_no_changes_says_so():
    assert "no changes" in render_changes({})


def test_render_value_expands_nested_objects_on_demand():
    html = render_value({"image": {"slug": "ubuntu"}, "vcpus": 2})

    assert html.startswith('<details class="diff-object"><summary>2 fields</summary>')
    assert html.count("<details") == 2
    assert '<dt>vcpus</dt><dd><code class="diff-value">2</code></dd>' in html


def test_render_value_keeps_short_lists_of_scalars_inline():
    assert render_value([1, "a"]) == (
        '<span class="diff-list">[<code class="diff-value">1</code>, '
        '<code class="diff-value" title="a">a</code>]</span>'
    )
