"""Experts: accounts, their load, automatic assignment."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.review import (
    AutoAssignForm,
    ExpertForm,
)
from portal.core.errors import RuleViolation
from portal.core.extensions import db
from portal.core.transactions import refuse
from portal.review import services
from portal.review.models import Assignment
from portal.review.views import bp
from portal.review.views.lookups import campaign_or_404, experts_of


@bp.route("/experts", methods=["GET", "POST"])
def experts():
    """The campaign's experts with their load; add an expert; assign automatically."""
    campaign = campaign_or_404()
    form = ExpertForm()
    if form.validate_on_submit():
        try:
            services.create_expert(
                campaign,
                form.username.data,
                form.email.data,
                form.name.data,
                form.organisation.data,
                form.region.data,
                form.specialities.data,
                current_user,
            )
        except RuleViolation as error:
            refuse(error)
            return _render_experts(campaign, form, AutoAssignForm(), 422)
        flash(
            f"已添加专家：{form.name.data}。设置密码的一次性链接已发送至 {form.email.data}，由专家本人设置密码。",
            "success",
        )
        return redirect(url_for("review.experts"))
    return _render_experts(campaign, form, AutoAssignForm(), 422 if form.errors else 200)


def _render_experts(campaign, expert_form: ExpertForm, auto_form: AutoAssignForm, status: int = 200):
    loads = dict(db.session.execute(select(Assignment.expert_id, db.func.count()).group_by(Assignment.expert_id)).all())
    done = dict(
        db.session.execute(
            select(Assignment.expert_id, db.func.count())
            .where(Assignment.submitted_at.is_not(None))
            .group_by(Assignment.expert_id)
        ).all()
    )
    return render_template(
        "review/experts.html",
        campaign=campaign,
        experts=experts_of(campaign),
        loads=loads,
        done=done,
        form=expert_form,
        auto_form=auto_form,
        candidate_count=len(services.candidates(campaign)),
    ), status


@bp.post("/experts/auto-assign")
def auto_assign():
    campaign = campaign_or_404()
    form = AutoAssignForm()
    if not form.validate():
        return _render_experts(campaign, ExpertForm(formdata=None), form, 422)
    services.auto_assign(campaign, form.experts_per_candidate.data, current_user)
    flash("已按回避规则和均衡原则自动分配。", "success")
    return redirect(url_for("review.experts"))
