from jinja2.runtime import LoopContext, Macro, Markup, Namespace, TemplateNotFound, TemplateReference, TemplateRuntimeError, Undefined, escape, identity, internalcode, markup_join, missing, str_join
name = 'index.html'

def root(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    parent_template = None
    l_0_first_week = resolve('first_week')
    l_0_first_day = l_0_feed_table = missing
    try:
        t_1 = environment.filters['day']
    except KeyError:
        @internalcode
        def t_1(*unused):
            raise TemplateRuntimeError("No filter named 'day' found.")
    try:
        t_2 = environment.filters['join']
    except KeyError:
        @internalcode
        def t_2(*unused):
            raise TemplateRuntimeError("No filter named 'join' found.")
    try:
        t_3 = environment.filters['safe']
    except KeyError:
        @internalcode
        def t_3(*unused):
            raise TemplateRuntimeError("No filter named 'safe' found.")
    pass
    parent_template = environment.get_template('layout.html', 'index.html')
    for name, parent_block in parent_template.blocks.items():
        context.blocks.setdefault(name, []).append(parent_block)
    l_0_first_day = (t_1((undefined(name='first_week') if l_0_first_week is missing else l_0_first_week)) if (undefined(name='first_week') if l_0_first_week is missing else l_0_first_week) else '')
    context.vars['first_day'] = l_0_first_day
    context.exported_vars.add('first_day')
    def macro(l_1_heading, l_1_rows):
        t_4 = []
        if l_1_heading is missing:
            l_1_heading = undefined("parameter 'heading' was not provided", name='heading')
        if l_1_rows is missing:
            l_1_rows = undefined("parameter 'rows' was not provided", name='rows')
        pass
        t_4.extend((
            '\n<h2>',
            escape(l_1_heading),
            '</h2>\n<table>\n<thead><tr><th>Feed</th><th class="activity">Activity</th><th class="count">Articles</th><th class="newest">Newest</th><th class="subscribe">Subscribe</th></tr></thead>\n<tbody>\n',
        ))
        for l_2_row in l_1_rows:
            l_2_href = resolve('href')
            l_2_page = resolve('page')
            l_2_chart_label = resolve('chart_label')
            l_2_weeks = resolve('weeks')
            l_2_subscribe_links = resolve('subscribe_links')
            _loop_vars = {}
            pass
            t_4.append(
                '\n<tr>\n<td class="name">',
            )
            if environment.getattr(l_2_row, 'image'):
                pass
                t_4.extend((
                    '<img class="logo" src="',
                    escape(environment.getattr(l_2_row, 'image')),
                    '" alt="" width="20" height="20" loading="lazy">',
                ))
            t_4.extend((
                '<a href="',
                escape(context.call((undefined(name='href') if l_2_href is missing else l_2_href), (undefined(name='page') if l_2_page is missing else l_2_page), environment.getattr(l_2_row, 'key'), 'html', _loop_vars=_loop_vars)),
                '">',
                escape(environment.getattr(l_2_row, 'name')),
                '</a></td>\n<td class="activity">',
            ))
            if environment.getattr(l_2_row, 'weeks'):
                pass
                t_5 = []
                pass
                t_5.extend((
                    'Articles per week for ',
                    escape((undefined(name='weeks') if l_2_weeks is missing else l_2_weeks)),
                    ' weeks from ',
                    escape((undefined(name='first_day') if l_0_first_day is missing else l_0_first_day)),
                    ': ',
                    escape(t_2(context.eval_ctx, environment.getattr(l_2_row, 'weeks'), ', ')),
                ))
                l_2_chart_label = (Markup if context.eval_ctx.autoescape else identity)(concat(t_5))
                _loop_vars['chart_label'] = l_2_chart_label
                t_4.extend((
                    '<svg class="spark" width="',
                    escape(((undefined(name='weeks') if l_2_weeks is missing else l_2_weeks) * 8)),
                    '" height="24" viewBox="0 0 ',
                    escape(((undefined(name='weeks') if l_2_weeks is missing else l_2_weeks) * 8)),
                    ' 24" role="img" aria-label="',
                    escape((undefined(name='chart_label') if l_2_chart_label is missing else l_2_chart_label)),
                    '">\n<title>',
                    escape((undefined(name='chart_label') if l_2_chart_label is missing else l_2_chart_label)),
                    '</title>\n<rect x="0" y="23" width="',
                    escape(((undefined(name='weeks') if l_2_weeks is missing else l_2_weeks) * 8)),
                    '" height="1" fill="currentColor" opacity="0.25"/>\n',
                    escape(t_3(environment.getattr(l_2_row, 'bars'))),
                    '\n</svg>',
                ))
            t_4.extend((
                '</td>\n<td class="count">',
                escape(environment.getattr(l_2_row, 'count')),
                '<span class="unit"> ',
                escape(('article' if (environment.getattr(l_2_row, 'count') == 1) else 'articles')),
                '</span></td>\n<td class="newest">',
            ))
            if environment.getattr(l_2_row, 'newest'):
                pass
                t_4.extend((
                    '<time datetime="',
                    escape(context.call(environment.getattr(environment.getattr(l_2_row, 'newest'), 'isoformat'), _loop_vars=_loop_vars)),
                    '">',
                    escape(t_1(environment.getattr(l_2_row, 'newest'))),
                    '</time>',
                ))
            t_4.extend((
                '</td>\n<td class="subscribe">',
                escape(context.call((undefined(name='subscribe_links') if l_2_subscribe_links is missing else l_2_subscribe_links), (undefined(name='page') if l_2_page is missing else l_2_page), environment.getattr(l_2_row, 'key'), _loop_vars=_loop_vars)),
                '</td>\n</tr>\n',
            ))
        l_2_row = l_2_href = l_2_page = l_2_chart_label = l_2_weeks = l_2_subscribe_links = missing
        t_4.append(
            '\n</tbody>\n</table>\n',
        )
        return concat(t_4)
    context.exported_vars.add('feed_table')
    context.vars['feed_table'] = l_0_feed_table = Macro(environment, macro, 'feed_table', ('heading', 'rows'), False, False, False, context.eval_ctx.autoescape)
    yield from parent_template.root_render_func(context)

def block_title(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_settings = resolve('settings')
    pass
    yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'title'))
    yield ' feeds'

def block_head(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_formats = resolve('formats')
    l_0_topics = resolve('topics')
    l_0_providers = resolve('providers')
    pass
    yield '\n'
    for l_1_format in (undefined(name='formats') if l_0_formats is missing else l_0_formats):
        l_1_settings = resolve('settings')
        l_1_href = resolve('href')
        l_1_page = resolve('page')
        l_1_everything = resolve('everything')
        _loop_vars = {}
        pass
        yield '\n<link rel="alternate" type="'
        yield escape(environment.getattr(l_1_format, 'media_type'))
        yield '" title="'
        yield escape(environment.getattr((undefined(name='settings') if l_1_settings is missing else l_1_settings), 'title'))
        yield ' ('
        yield escape(environment.getattr(l_1_format, 'label'))
        yield ')" href="'
        yield escape(context.call((undefined(name='href') if l_1_href is missing else l_1_href), (undefined(name='page') if l_1_page is missing else l_1_page), environment.getattr((undefined(name='everything') if l_1_everything is missing else l_1_everything), 'key'), environment.getattr(l_1_format, 'extension'), _loop_vars=_loop_vars))
        yield '">\n'
    l_1_format = l_1_settings = l_1_href = l_1_page = l_1_everything = missing
    yield '\n'
    for l_1_row in ((undefined(name='topics') if l_0_topics is missing else l_0_topics) + (undefined(name='providers') if l_0_providers is missing else l_0_providers)):
        l_1_settings = resolve('settings')
        l_1_href = resolve('href')
        l_1_page = resolve('page')
        _loop_vars = {}
        pass
        yield '\n<link rel="alternate" type="application/atom+xml" title="'
        yield escape(environment.getattr((undefined(name='settings') if l_1_settings is missing else l_1_settings), 'title'))
        yield ': '
        yield escape(environment.getattr(l_1_row, 'name'))
        yield '" href="'
        yield escape(context.call((undefined(name='href') if l_1_href is missing else l_1_href), (undefined(name='page') if l_1_page is missing else l_1_page), environment.getattr(l_1_row, 'key'), 'atom', _loop_vars=_loop_vars))
        yield '">\n'
    l_1_row = l_1_settings = l_1_href = l_1_page = missing
    yield '\n'

def block_style(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    pass
    yield '\nh2 { font-size: 1.375rem; margin: 2rem 0 .5rem; }\ntable { border-collapse: collapse; width: 100%; table-layout: fixed; }\n/* The same column widths in every table, so the tables line up as one list. */\n.activity { width: 7.5rem; } .count { width: 5.5rem; } .newest { width: 7.5rem; } .subscribe { width: 14.5rem; }\n.unit { display: none; }\nth { color: var(--muted); font-size: .8125rem; font-weight: 600; text-align: left; text-transform: uppercase;\n  letter-spacing: .04em; }\nth, td { padding: .55rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: middle; }\nth:first-child, td:first-child { padding-left: 0; }\ntd.name a { font-weight: 600; }\ntd.name .logo { width: 1.25rem; height: 1.25rem; margin-right: .4rem; vertical-align: -.2rem; }\ntd.count, th.count { text-align: right; }\ntd.subscribe a { margin: .1rem .25rem .1rem 0; padding: .05rem .5rem; font-size: .8125rem; }\n.spark { display: block; color: var(--accent); }\n@media (max-width: 40rem) {\n  thead { display: none; }\n  table, tbody, tr, td { display: block; }\n  tr { display: grid; grid-template-columns: 1fr auto; gap: .15rem .75rem; padding: .75rem 0;\n    border-bottom: 1px solid var(--rule); }\n  td { border: 0; padding: 0; }\n  td.name { grid-column: 1 / -1; }\n  table, td.activity, td.count, td.newest, td.subscribe { width: auto; }\n  .unit { display: inline; }\n  td.count, td.newest { font-size: .875rem; text-align: left; color: var(--muted); }\n  td.activity { grid-row: 2 / 4; grid-column: 2; align-self: center; }\n  td.subscribe { grid-column: 1 / -1; margin-top: .25rem; }\n}\n'

def block_main(context, missing=missing):
    resolve = context.resolve_or_missing
    undefined = environment.undefined
    concat = environment.concat
    cond_expr_undefined = Undefined
    if 0: yield None
    _block_vars = {}
    l_0_settings = resolve('settings')
    l_0_feed_table = resolve('feed_table')
    l_0_everything = resolve('everything')
    l_0_topics = resolve('topics')
    l_0_providers = resolve('providers')
    pass
    yield '\n<h1>'
    yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'title'))
    yield '</h1>\n<p class="lede">'
    yield escape(environment.getattr((undefined(name='settings') if l_0_settings is missing else l_0_settings), 'description'))
    yield '</p>\n<p>Every feed has a page to read it on. To follow one, copy its RSS, Atom or JSON Feed link into your feed reader.</p>\n'
    yield escape(context.call((undefined(name='feed_table') if l_0_feed_table is missing else l_0_feed_table), 'Everything', [(undefined(name='everything') if l_0_everything is missing else l_0_everything)], _block_vars=_block_vars))
    yield '\n'
    if (undefined(name='topics') if l_0_topics is missing else l_0_topics):
        pass
        yield escape(context.call((undefined(name='feed_table') if l_0_feed_table is missing else l_0_feed_table), 'Topics', (undefined(name='topics') if l_0_topics is missing else l_0_topics), _block_vars=_block_vars))
    yield '\n'
    if (undefined(name='providers') if l_0_providers is missing else l_0_providers):
        pass
        yield escape(context.call((undefined(name='feed_table') if l_0_feed_table is missing else l_0_feed_table), 'News providers', (undefined(name='providers') if l_0_providers is missing else l_0_providers), _block_vars=_block_vars))
    yield '\n'

blocks = {'title': block_title, 'head': block_head, 'style': block_style, 'main': block_main}
debug_info = '1=32&40=35&41=38&42=47&46=50&48=61&49=75&50=81&51=91&52=97&53=99&54=101&57=106&58=111&59=122&2=134&3=146&4=158&5=166&7=176&8=183&11=192&65=202&66=216&67=218&69=220&70=222&71=226'