from django.urls import path

from opportunities import (
    board_pages,
    bulk_pages,
    record_pages,
    saved_view_pages,
    task_pages,
    views,
)

app_name = "opportunities"

urlpatterns = [
    path("", views.OpportunityListView.as_view(), name="list"),
    path("new/", views.OpportunityCreateView.as_view(), name="create"),
    path("board/", board_pages.BoardView.as_view(), name="board"),
    path("board/<number:cycle>/", board_pages.BoardView.as_view(), name="board_cycle"),
    path(
        "board/column/<int:stage>/",
        board_pages.BoardColumnView.as_view(),
        name="board_column",
    ),
    path(
        "board/<number:cycle>/new/",
        board_pages.QuickCreateView.as_view(),
        name="board_create",
    ),
    path(
        "board/move/<number:number>/<str:target>/",
        board_pages.BoardMoveView.as_view(),
        name="board_move",
    ),
    path("tasks/", task_pages.TaskListView.as_view(), name="tasks"),
    # Before the opportunity's own pages: "views" or "bulk" could be a number.
    path("bulk/", bulk_pages.BulkView.as_view(), name="bulk"),
    path("views/save/", saved_view_pages.SavedViewSaveView.as_view(), name="view_save"),
    path(
        "views/default/",
        saved_view_pages.DefaultViewSetView.as_view(),
        name="view_default",
    ),
    path(
        "views/<int:pk>/delete/",
        saved_view_pages.SavedViewDeleteView.as_view(),
        name="view_delete",
    ),
    path(
        "tasks/<number:number>/complete/",
        task_pages.TaskActionView.as_view(),
        {"action": "complete"},
        name="task_complete",
    ),
    path(
        "tasks/<number:number>/reschedule/",
        task_pages.TaskRescheduleView.as_view(),
        name="task_reschedule",
    ),
    path(
        "tasks/<number:number>/cancel/",
        task_pages.TaskActionView.as_view(),
        {"action": "cancel"},
        name="task_cancel",
    ),
    path("<number:number>/", views.OpportunityDetailView.as_view(), name="detail"),
    path("<number:number>/edit/", views.OpportunityEditView.as_view(), name="edit"),
    path("<number:number>/update/", views.AdvanceView.as_view(), name="advance"),
    path("<number:number>/close/", views.CloseView.as_view(), name="close"),
    path("<number:number>/reopen/", views.ReopenView.as_view(), name="reopen"),
    path("<number:number>/delete/", views.DeleteView.as_view(), name="delete"),
    path(
        "<number:number>/quote/", record_pages.QuoteCreateView.as_view(), name="quote"
    ),
    path(
        "<number:number>/interaction/",
        record_pages.InteractionCreateView.as_view(),
        name="interaction",
    ),
    path(
        "<number:number>/interaction/<int:pk>/edit/",
        record_pages.InteractionEditView.as_view(),
        name="interaction_edit",
    ),
    path("<number:number>/task/", record_pages.TaskCreateView.as_view(), name="task"),
]
