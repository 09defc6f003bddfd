"""help articles: articles, their revisions, files and deflections, and the seeded articles

The seeded articles are written in the project's own words from the ISO's
participant-applications page; they are added through the seeded_rows ledger
(askiso/core/seeding.py), so an edited or deleted seeded article is never
brought back. See docs/articles.md.

Revision ID: 885de8257890
Revises: 9a89d0629df5
Create Date: 2026-12-03 06:30:00

"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

from askiso.core.seeding import add_missing, seeded_ids

# revision identifiers, used by Alembic.
revision = '885de8257890'
down_revision = '9a89d0629df5'
branch_labels = None
depends_on = None

# The tables as this migration writes them (only the columns it fills; never the live models).
topics = sa.table("topics", sa.column("id", sa.Integer), sa.column("key", sa.String))
articles = sa.table(
    "articles", sa.column("id", sa.Integer), sa.column("slug", sa.String), sa.column("title", sa.String),
    sa.column("summary", sa.String), sa.column("body", sa.Text), sa.column("topic_id", sa.Integer),
    sa.column("audience", sa.String), sa.column("status", sa.String), sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime), sa.column("published_at", sa.DateTime),
)
article_revisions = sa.table(
    "article_revisions", sa.column("article_id", sa.Integer), sa.column("number", sa.Integer),
    sa.column("title", sa.String), sa.column("summary", sa.String), sa.column("body", sa.Text),
    sa.column("topic_id", sa.Integer), sa.column("audience", sa.String), sa.column("status", sa.String),
    sa.column("changed", sa.JSON), sa.column("note", sa.String), sa.column("created_at", sa.DateTime),
)

# ---------------------------------------------------------------- the data, frozen as of this revision
# (slug, topic key, title, summary, body)

ARTICLES = [
    ("getting-access-to-ask-iso", "cams", "Getting access to Ask ISO",
     "Your company's Security Administrator adds you in CAMS; you then set a password and sign in with your email.",
     """Ask ISO is where market participants send questions, requests and registration forms to the ISO and
follow them until they are answered. Everything you file is confidential to your company.

## If you work for a market participant

1. Ask your company's **Security Administrator (SA)** to add you to your company in the
   **Customer and Asset Management System (CAMS)**. That entry is how the ISO knows you act for
   the company.
2. You then receive a welcome email. Follow its link to **choose a password** (the link is valid for
   72 hours). Your email address is your user name.
3. Sign in and choose **New case**.

## If you act for several companies

Ask the SA of each company to use **the same email address** for you. You then have one Ask ISO
account and choose, on each case, which company it is for.

## If you are not with a market participant

You can still ask a general question through the public inquiry form, without an account.

If something does not work, open a *General question* (or use the inquiry form) and say what you tried.
"""),
    ("becoming-an-external-manager", "cams", "Seeing all of your company's cases: the External Manager role",
     "An External Manager sees every case filed for their company, not only their own. Your SA grants the role in CAMS.",
     """By default you see the cases you submitted yourself and the cases a colleague added you to as a contact.

If you need to follow **every case of your company** (for example because you coordinate its
dealings with the ISO), ask your company's Security Administrator to give you the CAMS role
**Ask ISO/External Manager**.

- The role applies to one company: if you act for several, you see all cases only of the company
  where you hold it.
- When your membership of the company ends, you lose access to its cases at once.
- Your Security Administrator can take the role back at any time.

Once granted, the cases appear under **Company cases** after you sign in.
"""),
    ("enabling-iso-express-data-feeds", "data", "Enabling ISO Express data feeds (web services access)",
     "Automated access to public operational data: tick ISO Data Feeds when you register for ISO Express, "
     "or enable it on your existing account.",
     """The ISO publishes its public operational data for automated download through **data feeds**
(also called *web services*). Anyone with an **ISO Express** account can ask for this access.

Examples of the data you can fetch automatically: preliminary and final locational marginal
prices (real-time, hourly and day-ahead), actual system demand, day-ahead and real-time
constraints, interchanges, ancillary services and LMP indices.

## How to get data feeds access

- **New to ISO Express?** Register for an ISO Express account and tick **ISO Data Feeds** on the
  registration form.
- **Already have an account?** Sign in to ISO Express, open **Account Information** from the
  *Welcome* menu and turn on **ISO Data Feeds**.

## Still cannot reach the feeds?

If the data feeds or web services refuse your requests after you enabled them, open a case of the
type **Data feeds / web services access** and tell us your ISO Express user name and what you see.
"""),
    ("registering-for-iso-express", "data", "Registering for ISO Express",
     "ISO Express, the ISO's portal for public market and operations data, is open to all; an optional account adds "
     "custom views and subscriptions.",
     """**ISO Express** is the ISO's public portal for market and operations data. You can use it
without an account.

An optional account lets you arrange the content you see, subscribe to notices, and ask for
automated data feeds.

To register, fill in the form on the ISO Express sign-up page. See also *Enabling ISO Express data
feeds*.
"""),
    ("fcts-access", "fcm", "Access to the Forward Capacity Tracking System (FCTS)",
     "FCM participants need FCTS to submit shows of interest and qualification packages. How to get access, "
     "and how to add another contact.",
     """To take part in the **Forward Capacity Market (FCM)** — submitting a show of interest (SOI) and
qualification package information — you need access to the **Forward Capacity Tracking System (FCTS)**.

## Your company is a registered market participant

Access is managed in **CAMS**: ask your company's Security Administrator to give you FCTS access.

## Your company has no company record with FCTS access yet

1. Complete the **FCM Nonmarket Participant Registration Request** form.
2. Send it to us with a case of the type **Registration form submission** (form type: *FCM Nonmarket
   Participant Registration Request*), with the completed form attached.

## Adding another FCTS user to an existing company record

Once the company record with FCTS access exists, an existing contact of the company can ask for
access for a colleague: open a case of the type **FCTS access for an additional contact**. It asks for

- the company name,
- the new user's first and last name,
- their work phone (10 digits),
- their email address.
"""),
    ("eftr-registration-and-annual-certification", "ftr", "eFTR registration and the annual FTR certification",
     "Everyone who buys or sells Financial Transmission Rights registers for eFTR; some must also certify their "
     "risk-management policies by April 30 each year.",
     """The **eFTR system** is where Financial Transmission Rights (FTR) customers offer FTRs for sale,
bid to buy them, and see auction results. Every FTR customer in New England must register for it.

## Getting eFTR access

1. **Register as an eligible FTR bidder or holder.** New participants do this in Section XVI of the
   new participant registration. Active participants complete Section XVI (*Registration for
   Eligible FTR Bidder and/or FTR Holder Status*) of the Membership Applicant Questionnaire and send
   it with a **Registration form submission** case (form type: *Membership Applicant Questionnaire
   Section XVI*).
2. **Complete the FTR training** required by the Financial Assurance Policy, then tell us it is done:
   the training name (*Financial Transmission Rights*), your organisation, and who completed it.
3. **Send your written risk-management policies**, procedures and controls for FTR participation for
   review, with a case of the type **FTR risk-management policies for review**. They must cover at least:
   market, credit and operational risks; who is responsible for risk management and to whom they
   report; trader authorisation levels; trader training; trading limits and controls; independent
   confirmation of executed transactions; periodic valuation of positions; and how risk exposures are
   reported within your organisation.
4. **Ask your Security Administrator** to give you eFTR rights in CAMS. Your digital certificate then
   carries the access (a new certificate, or your existing one if you already use other ISO systems).

## The annual certification (by April 30)

Each year, by **April 30**, every participant whose FTR transactions in any currently open month
exceed **1,000 MW per month** must submit **Attachment 5** of the ISO Tariff: the certificate
regarding changes to its submitted risk-management policies. File it with a case of the type
**FTR annual risk-management certification (Attachment 5)** and attach the signed certificate.

Questions about eFTR access or about FTR transactions: open a *General question*.
"""),
    ("external-transactions-registration", "external_transactions",
     "Registering for external transactions: OASIS, NEXTT, JESS and EIR",
     "To wheel energy through, import into or export out of New England in real time you register with OASIS, EIR "
     "and NEXTT, and with JESS for the New York Northern AC interface.",
     """Participants that want to **wheel energy through, import energy into or export energy out of**
the New England Balancing Authority Area in the Real-Time Energy Market need several registrations.

## The steps

1. **OASIS** — register for the Open Access Same-Time Information System.
2. **EIR** — register in the Electric Industry Registry (the *WebRegistry*): your company's
   contacts, and your sources and sinks.
3. **NEXTT** — submit the **External Transmission Customer Contact form** (with a case of the type
   *Registration form submission*). The form is required for access to the New England External
   Transaction Tool.
4. **CAMS** — once approved, ask your Security Administrator to grant you NEXTT access. Make sure
   CAMS lists a **10-digit work phone without an extension**, or a 10-digit mobile number: the next
   step needs it. Your digital certificate then carries the access.
5. **JESS** — if you will schedule real-time transactions over the **New York Northern AC interface**
   (the Roseton node / Sandy Pond proxy bus), set a password for the New York ISO's Joint Energy
   Scheduling System: open JESS (it needs your installed digital certificate), choose *Set, Reset,
   or Change Your Password*, have a PIN sent by voice or text to the phone number in CAMS, enter it,
   then choose your password.

## What each system is for

- **OASIS**: an electronic posting system built to industry standards approved by FERC.
- **NEXTT**: submitting external transactions into the Day-Ahead and Real-Time Energy Markets.
- **JESS**: submitting external transactions over the New York Northern AC interface, which is
  scheduled jointly with the New York ISO (coordinated transaction scheduling).
- **EIR**: North America's central registry for the information that commercial, scheduling and
  transmission operations rely on.

Problems with any of these: open a case of the type **External transactions access**.
"""),
    ("other-iso-systems", "cams", "Access to eMarket, SMS, MIS and other ISO systems",
     "Access to eMarket, the Settlement Management System, the Market Information System and other ISO systems is "
     "granted by your Security Administrator in CAMS.",
     """Some market activities need access to further ISO systems, such as **eMarket**, the
**Settlement Management System (SMS)** or the **Market Information System (MIS)**.

Ask your company's **Security Administrator** to give you the matching rights in **CAMS**. Once they
do, the access is added to your digital certificate.

If your SA is unsure which rights you need, or the access does not work once granted, open a case
of the type **Other ISO system access**.
"""),
]


def seed(connection):
    """Add the seeded articles that are missing (and were never seeded), published, with a first revision."""
    now = datetime.now(UTC).replace(tzinfo=None)
    topic_ids = seeded_ids(connection, topics)
    rows = [
        {
            "slug": slug, "title": title, "summary": summary, "body": body, "topic_id": topic_ids.get(topic),
            "audience": "everyone", "status": "published", "created_at": now, "updated_at": now, "published_at": now,
        }
        for slug, topic, title, summary, body in ARTICLES
    ]
    added = set(add_missing(connection, articles, rows, key="slug", source=revision))
    if not added:
        return
    ids = dict(connection.execute(sa.select(articles.c.slug, articles.c.id).where(articles.c.slug.in_(added))).all())
    connection.execute(article_revisions.insert(), [
        {
            "article_id": ids[row["slug"]], "number": 1, "title": row["title"], "summary": row["summary"],
            "body": row["body"], "topic_id": row["topic_id"], "audience": row["audience"], "status": row["status"],
            "changed": ["created"], "note": "Seeded by the installation", "created_at": now,
        }
        for row in rows if row["slug"] in added
    ])


def upgrade():
    op.create_table(
        'articles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_articles_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_articles_topic_id_topics'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
        sa.UniqueConstraint('slug', name=op.f('uq_articles_slug')),
    )
    op.create_index('ix_articles_status_audience', 'articles', ['status', 'audience'], unique=False)
    op.create_index(op.f('ix_articles_topic_id'), 'articles', ['topic_id'], unique=False)
    op.create_table(
        'article_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('summary', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.Column('note', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_revisions_article_id_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_article_revisions_author_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_article_revisions')),
    )
    op.create_index(op.f('ix_article_revisions_article_id'), 'article_revisions', ['article_id'], unique=False)
    op.create_table(
        'article_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('stored_name', sa.String(length=80), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_files_article_id_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_article_files_uploaded_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_article_files')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_article_files_stored_name')),
    )
    op.create_index(op.f('ix_article_files_article_id'), 'article_files', ['article_id'], unique=False)
    op.create_table(
        'article_deflections',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'],
                                name=op.f('fk_article_deflections_article_id_articles'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_article_deflections_user_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_article_deflections')),
    )
    op.create_index(op.f('ix_article_deflections_article_id'), 'article_deflections', ['article_id'], unique=False)
    op.create_index(op.f('ix_article_deflections_created_at'), 'article_deflections', ['created_at'], unique=False)
    seed(op.get_bind())


def downgrade():
    op.drop_table('article_deflections')
    op.drop_table('article_files')
    op.drop_table('article_revisions')
    op.drop_table('articles')
    op.execute(sa.text("DELETE FROM seeded_rows WHERE table_name = 'articles'"))
