from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'feed.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    pass
    parent_template = environment.get_template('layout.html', 'feed.html')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    yield from parent_template.root_render_func(context)

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_feed = resolve('feed')
    pass
    yield escape(environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'title'))

def block_head(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_formats = resolve('formats')
    pass
    yield '\n'
    for l_1_format in (undefined(name='formats') if l_0_formats is missing else l_0_formats):
        l_1_feed = resolve('feed')
        l_1_href = resolve('href')
        l_1_page = resolve('page')
        _loop_vars = {}
        pass
        yield '\n<link rel="alternate" type="'
        yield escape(environment.getattr(l_1_format, 'media_type'))
        yield '" title="'
        yield escape(environment.getattr((undefined(name='feed') if l_1_feed is missing else l_1_feed), 'title'))
        yield ' ('
        yield escape(environment.getattr(l_1_format, 'label'))
        yield ')" href="'
        yield escape(context.call((undefined(name='href') if l_1_href is missing else l_1_href), (undefined(name='page') if l_1_page is missing else l_1_page), environment.getattr((undefined(name='feed') if l_1_feed is missing else l_1_feed), 'key'), environment.getattr(l_1_format, 'extension'), _loop_vars=_loop_vars))
        yield '">\n'
    l_1_format = l_1_feed = l_1_href = l_1_page = missing
    yield '\n'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '\n.crumb { margin: 1.25rem 0 0; font-size: .9375rem; }\n.title { display: flex; align-items: center; gap: .75rem; }\n.title .logo { width: 2.75rem; height: 2.75rem; margin-top: 1.25rem; }\n.follow { background: var(--panel); border-radius: .625rem; padding: .75rem 1rem; margin: 0 0 1.5rem; }\n.follow p { margin: .25rem 0; }\n.follow .hint { color: var(--muted); font-size: .875rem; }\n.entries { list-style: none; margin: 0; padding: 0; }\n/* Text in the first column, the picture (if any) in the second: every title starts at the same place. */\narticle { display: grid; grid-template-columns: minmax(0, 1fr) 10rem; grid-template-rows: auto 1fr; gap: 0 1.25rem;\n  padding: 1.1rem 0; border-top: 1px solid var(--rule); }\narticle > div, article .summary { grid-column: 1; }\narticle img { grid-column: 2; grid-row: 1 / span 2; width: 100%; height: auto; aspect-ratio: 16 / 10;\n  object-fit: cover; border-radius: .375rem; }\narticle h2 { font-size: 1.25rem; margin: 0 0 .3rem; }\narticle h2 a { color: var(--fg); text-decoration: none; }\narticle h2 a:hover, article h2 a:focus-visible { color: var(--accent); text-decoration: underline; }\narticle p { margin: 0; }\n@media (max-width: 36rem) {\n  article { grid-template-columns: minmax(0, 1fr) 6.5rem; gap: 0 .85rem; }\n  article h2 { font-size: 1.0625rem; }\n  article img { grid-row: 1; }\n  article .summary { grid-column: 1 / -1; margin-top: .35rem; }\n}\n'

def block_main(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_link = resolve('link')
    l_0_page = resolve('page')
    l_0_index = resolve('index')
    l_0_feed = resolve('feed')
    l_0_formats = resolve('formats')
    try:
        t_1 = environment.filters['moment']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'moment' found.")
    pass
    yield '\n<p class="crumb"><a href="'
    yield escape(context.call((undefined(name='link') if l_0_link is missing else l_0_link), (undefined(name='page') if l_0_page is missing else l_0_page), (undefined(name='index') if l_0_index is missing else l_0_index), _block_vars=_block_vars))
    yield '">All feeds</a></p>\n<div class="title">\n'
    if environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'logo'):
        pass
        yield '<img class="logo" src="'
        yield escape(environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'logo'))
        yield '" alt="" width="44" height="44">'
    yield '\n<h1>'
    yield escape(environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'title'))
    yield '</h1>\n</div>\n<p class="lede">'
    yield escape(environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'description'))
    yield '</p>\n<section class="follow" aria-label="Subscribe">\n<p class="subscribe">'
    for l_1_format in (undefined(name='formats') if l_0_formats is missing else l_0_formats):
        l_1_href = resolve('href')
        _loop_vars = {}
        pass
        yield '<a href="'
        yield escape(context.call((undefined(name='href') if l_1_href is missing else l_1_href), (undefined(name='page') if l_0_page is missing else l_0_page), environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'key'), environment.getattr(l_1_format, 'extension'), _loop_vars=_loop_vars))
        yield '" type="'
        yield escape(environment.getattr(l_1_format, 'media_type'))
        yield '">'
        yield escape(environment.getattr(l_1_format, 'label'))
        yield '</a>'
    l_1_format = l_1_href = missing
    yield '</p>\n<p class="hint">These links are for feed readers: copy one into yours to follow this page.</p>\n</section>\n'
    t_2 = 1
    for l_1_entry in environment.getattr((undefined(name='feed') if l_0_feed is missing else l_0_feed), 'entries'):
        _loop_vars = {}
        pass
        yield '\n<article>\n<div>\n<h2><a href="'
        yield escape(environment.getattr(l_1_entry, 'url'))
        yield '">'
        yield escape(environment.getattr(l_1_entry, 'title'))
        yield '</a></h2>\n<p class="meta">'
        if environment.getattr(l_1_entry, 'author'):
            pass
            yield escape(environment.getattr(l_1_entry, 'author'))
            yield ' · '
        yield '<time datetime="'
        yield escape(context.call(environment.getattr(environment.getattr(l_1_entry, 'published'), 'isoformat'), _loop_vars=_loop_vars))
        yield '">'
        yield escape(t_1(environment.getattr(l_1_entry, 'published')))
        yield '</time></p>\n</div>\n'
        if environment.getattr(l_1_entry, 'image'):
            pass
            yield '<img src="'
            yield escape(environment.getattr(environment.getattr(l_1_entry, 'image'), 'url'))
            yield '" alt="" width="'
            yield escape((environment.getattr(environment.getattr(l_1_entry, 'image'), 'width') or 320))
            yield '" height="'
            yield escape((environment.getattr(environment.getattr(l_1_entry, 'image'), 'height') or 200))
            yield '" loading="lazy" decoding="async">'
        yield '\n'
        if environment.getattr(l_1_entry, 'summary'):
            pass
            yield '<p class="summary">'
            yield escape(environment.getattr(l_1_entry, 'summary'))
            yield '</p>'
        yield '\n</article>\n'
        t_2 = 0
    l_1_entry = missing
    if t_2:
        pass
        yield '\n<p>No articles yet.</p>\n'
    yield '\n'

blocks = {'title': block_title, 'head': block_head, 'style': block_style, 'main': block_main}
debug_info = '1=12&2=17&3=28&4=38&5=45&8=56&33=66&34=86&36=88&37=94&39=96&41=98&44=112&47=116&48=120&50=129&51=139'