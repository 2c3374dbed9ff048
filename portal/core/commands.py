"""CLI commands: ``flask --app app create-user | create-campaign | demo | check | remind-deadlines |
rereview-sample | send-mail``."""

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.accounts.models import Organisation, Role
from portal.accounts.services import create_staff_user
from portal.campaigns.models import NOTICE_QUOTA
from portal.campaigns.services import create_campaign
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.timeutil import from_local

LOCAL_TIME = click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%d"])


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role if r != Role.ENTERPRISE]), required=True)
@click.option("--name", "display_name", required=True, help="显示名称")
@click.option("--organisation", help="所属单位名称（推荐单位账号必填）")
@click.option("--email")
@click.password_option(help="至少 12 位，不易猜测（不要求字母数字组合）")
def create_user_command(username, role, display_name, organisation, email, password):
    """Create a staff account (recommender, reviewer, expert, admin)."""
    org = None
    if organisation:
        org = db.session.scalar(select(Organisation).where(Organisation.name == organisation))
        if org is None:
            raise click.ClickException(f"找不到单位：{organisation}")
    try:
        user = create_staff_user(username, password, Role(role), display_name, org, email)
    except RuleViolation as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"已创建 {user.role.label} 账号：{user.username}")


@click.command("create-campaign")
@click.argument("name")
@click.option("--year", type=int, required=True)
@click.option("--opens", type=LOCAL_TIME, required=True, help="申报开始（北京时间）")
@click.option("--closes", type=LOCAL_TIME, required=True, help="申报截止（北京时间）")
@click.option("--deadline", type=LOCAL_TIME, required=True, help="推荐单位报送截止（北京时间）")
@click.option("--quota-large", type=int, default=NOTICE_QUOTA, show_default=True)
@click.option("--quota-sme", type=int, default=NOTICE_QUOTA, show_default=True)
def create_campaign_command(name, year, opens: datetime, closes: datetime, deadline: datetime, quota_large, quota_sme):
    """Create a campaign (年度批次) with the default rubric; times are Asia/Shanghai."""
    values = {
        "name": name,
        "year": year,
        "opens_at": from_local(opens),
        "closes_at": from_local(closes),
        "recommend_deadline": from_local(deadline),
        "quota_large": quota_large,
        "quota_sme": quota_sme,
    }
    try:
        create_campaign(values, None)
    except RuleViolation as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"已创建批次：{name}")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load a realistic demo campaign and print the demo logins."""
    from portal.core.demo import DEMO_PASSWORD, load_demo

    try:
        logins = load_demo()
    except RuleViolation as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"演示数据已就绪。演示账号（密码均为 {DEMO_PASSWORD}）：")
    for role, username, note in logins:
        click.echo(f"  {role:<8} {username:<22} {note}")


@click.command("check")
@with_appcontext
def check_command():
    """Verify the configuration: secret key, database reachable and migrated, uploads writable, Redis."""
    from portal.core.checks import run_checks

    checks = run_checks()
    for check in checks:
        mark = "✗" if not check.ok else ("!" if check.warning else "✓")
        click.echo(f"{mark} {check.name}：{check.message}")
    failed = [check for check in checks if not check.ok]
    click.echo(f"{len(failed)} 项未通过。" if failed else "配置检查通过。")
    raise SystemExit(1 if failed else 0)


@click.command("remind-deadlines")
@click.option("--days", default=3, show_default=True, help="Remind when a deadline is this many days away or less.")
@with_appcontext
def remind_deadlines_command(days: int):
    """Notify enterprises, recommenders and units ordered to rectify that have not finished before a
    deadline (run daily from cron)."""
    from portal.campaigns.models import current_campaign
    from portal.notifications.services import remind_deadlines

    count = remind_deadlines(current_campaign(), days)
    db.session.commit()
    click.echo(f"已提醒 {count} 个账号。")


@click.command("rereview-sample")
@click.argument("round_id", type=int)
@with_appcontext
def rereview_sample_command(round_id: int):
    """Draw a 定期复核 round's on-site sample again from its recorded seed and rate, and compare."""
    from portal.rereview.models import ReReviewRound
    from portal.rereview.services import redraw_sample

    review_round = db.session.get(ReReviewRound, round_id)
    if review_round is None or review_round.sample_seed is None:
        raise click.ClickException("没有该复核，或该复核未抽取现场检查样本。")
    drawn = redraw_sample(review_round)
    click.echo(f"{review_round.name}：种子 {review_round.sample_seed}，比例 {review_round.sample_rate}%")
    for review in review_round.reviews:
        if review.application_id in drawn:
            click.echo(f"{review.application_id}\t{review.application.display_name}")
    recorded = {review.application_id for review in review_round.reviews if review.sample}
    click.echo("与记录一致。" if drawn == recorded else "与记录不一致！")
    raise SystemExit(0 if drawn == recorded else 1)


@click.command("send-mail")
@with_appcontext
def send_mail_command():
    """Send the e-mail waiting in the outbox through SMTP (MAIL_SERVER); run from cron."""
    from portal.notifications.services import send_outbox

    if not current_app.config.get("MAIL_SERVER"):
        click.echo("未配置 MAIL_SERVER：邮件保留在发件箱中（管理员页面可查看）。")
        return
    sent, failed = send_outbox()
    db.session.commit()
    click.echo(f"已发送 {sent} 封，失败 {failed} 封。")


def register_commands(app) -> None:
    for command in (
        create_user_command,
        create_campaign_command,
        demo_command,
        check_command,
        remind_deadlines_command,
        rereview_sample_command,
        send_mail_command,
    ):
        app.cli.add_command(command)
