"""applicants: pool moves, 公示 details, Markdown introductions, consent, mobile numbers

- `application.pool_reason`: why the organizer moved an application to its pool by hand
  (routing leaves it there); empty for every existing application, which stay where they are.
- `round.document_number`, `round.supervision_phone`: printed on the 公示; empty until set.
- `round.introduction` is Markdown from now on: an introduction stored as sanitised HTML
  (paragraphs, line breaks, bold, italics, lists, links, small headings — what the old
  sanitiser kept) is turned into the Markdown that renders the same way; plain text stays.
- `user.mobile`: an optional mobile number, empty for existing accounts.
- `site_page`: the privacy policy and terms, in versions; `consent`: which version a user
  agreed to, and when. Existing accounts have agreed to nothing recorded.

Revision ID: 0010a_applicants
Revises: 0010f_spending
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010a_applicants'
down_revision = '0010f_spending'
branch_labels = None
depends_on = None

round_table = sa.table('round', sa.column('id', sa.Integer),
                       sa.column('introduction', sa.Text))

_ESCAPE = re.compile(r'([\\`*_\[\]<>])')
# Text that would start a heading, a quote or a list at the start of a line.
_MARKER = re.compile(r'^(\s*)([#>+-]|\d+[.)])(?=\s|$)')


class _HtmlToMarkdown(HTMLParser):
    """The tags the old sanitiser kept, as Markdown; any other tag keeps only its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []   # [kind, items so far] per open list
        self.links: list[str] = []

    def _block(self) -> None:
        self.out.append('\n\n')

    def handle_starttag(self, tag, attrs):
        if tag == 'p':
            self._block()
        elif tag == 'br':
            self.out.append('\\\n')
        elif tag in ('strong', 'b'):
            self.out.append('**')
        elif tag in ('em', 'i'):
            self.out.append('*')
        elif tag in ('ul', 'ol'):
            if not self.lists:
                self._block()
            self.lists.append([tag, 0])
        elif tag == 'li':
            kind = self.lists[-1] if self.lists else ['ul', 0]
            kind[1] += 1
            indent = '   ' * (len(self.lists) - 1)
            self.out.append('\n' + indent + ('- ' if kind[0] == 'ul' else f'{kind[1]}. '))
        elif tag == 'a':
            self.links.append(dict(attrs).get('href') or '')
            self.out.append('[')
        elif re.fullmatch(r'h[1-6]', tag):
            self._block()
            self.out.append('#' * max(int(tag[1]), 2) + ' ')

    def handle_endtag(self, tag):
        if tag == 'p' or re.fullmatch(r'h[1-6]', tag):
            self._block()
        elif tag in ('strong', 'b'):
            self.out.append('**')
        elif tag in ('em', 'i'):
            self.out.append('*')
        elif tag in ('ul', 'ol'):
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._block()
        elif tag == 'a':
            href = self.links.pop() if self.links else ''
            self.out.append(f']({href})' if href else ']')

    def handle_data(self, data):
        text = _ESCAPE.sub(r'\\\1', re.sub(r'\s+', ' ', data))
        if not self.out or self.out[-1].endswith('\n'):
            text = _MARKER.sub(lambda m: m.group(1) + m.group(2).replace(
                m.group(2)[-1], '\\' + m.group(2)[-1]), text)
        self.out.append(text)


def html_to_markdown(html: str) -> str:
    """Sanitised HTML as Markdown; text without tags is returned as it is."""
    if not html or '<' not in html:
        return html
    parser = _HtmlToMarkdown()
    parser.feed(html)
    parser.close()
    text = ''.join(parser.out)
    lines = [line.strip(' ') for line in text.split('\n')]
    text = '\n'.join(lines)
    text = re.sub(r'\n{3,}', '\n\n', text).strip()
    return text


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_reason', sa.Text(), nullable=True))

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_number', sa.String(length=100),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('supervision_phone', sa.String(length=40),
                                      nullable=False, server_default=''))
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.alter_column('document_number', server_default=None)
        batch_op.alter_column('supervision_phone', server_default=None)

    connection = op.get_bind()
    for row in connection.execute(sa.select(round_table.c.id, round_table.c.introduction)):
        converted = html_to_markdown(row.introduction or '')
        if converted != (row.introduction or ''):
            connection.execute(round_table.update().where(round_table.c.id == row.id)
                               .values(introduction=converted))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('mobile', server_default=None)

    op.create_table(
        'site_page',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=100), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_site_page_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_page')),
        sa.UniqueConstraint('slug', 'version', name=op.f('uq_site_page_slug_version')),
    )
    op.create_table(
        'consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('site_page_id', sa.Integer(), nullable=False),
        sa.Column('agreed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['site_page_id'], ['site_page.id'],
                                name=op.f('fk_consent_site_page_id_site_page')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_consent_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent')),
        sa.UniqueConstraint('user_id', 'site_page_id', name=op.f('uq_consent_user_id_site_page_id')),
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_site_page_id'), ['site_page_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_consent_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_user_id'))
        batch_op.drop_index(batch_op.f('ix_consent_site_page_id'))
    op.drop_table('consent')
    op.drop_table('site_page')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('mobile')
    # Introductions stay Markdown: the older code shows them as they are (text).
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_column('supervision_phone')
        batch_op.drop_column('document_number')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('pool_reason')
