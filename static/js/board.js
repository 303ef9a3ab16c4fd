/* The pipeline board: a card dragged onto a decision column (shortlisted, rejected, hired) records
   that decision through the card's own form, the same post as choosing in its list and pressing
   Move, so the server's rules hold (a rejection needs its reason). Without this script, or from
   the keyboard, the form does it all. After a move the board comes back scrolled to the column the
   card went to. */
(function () {
  "use strict";

  var board = document.querySelector("[data-board]");
  if (!board) {
    return;
  }
  var announcer = document.getElementById("board-announcer");
  var dragged = null;

  function say(message) {
    if (announcer) {
      announcer.textContent = message;
    }
  }

  function columnOf(element) {
    return element.closest(".board-column");
  }

  function decisionField(card) {
    return card.querySelector('form.board-move select[name="decision"]');
  }

  function accepts(column, card) {
    var field = decisionField(card);
    if (!field || column === columnOf(card)) {
      return false;
    }
    return Array.prototype.some.call(field.options, function (option) {
      return option.value && option.value === column.dataset.status;
    });
  }

  function clearTargets() {
    board.querySelectorAll(".board-column.is-drop-target").forEach(function (column) {
      column.classList.remove("is-drop-target");
    });
  }

  // Back to the column the card goes to (or stays in, for "on hold") once the page reloads.
  board.addEventListener("submit", function (event) {
    var form = event.target;
    var next = form.querySelector('input[name="next"]');
    var field = form.querySelector('select[name="decision"]');
    if (!next || !field) {
      return;
    }
    var heading = document.getElementById("column-" + field.value) || columnOf(form).querySelector(".board-column-title");
    next.value = next.value.split("#")[0] + "#" + heading.id;
  });

  board.querySelectorAll(".board-card").forEach(function (card) {
    if (!decisionField(card)) {
      return;
    }
    card.draggable = true;
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      card.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.candidate || "");
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("is-dragging");
      dragged = null;
      clearTargets();
    });
  });

  board.querySelectorAll(".board-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (dragged && accepts(column, dragged)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("is-drop-target");
      }
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) {
        column.classList.remove("is-drop-target");
      }
    });
    column.addEventListener("drop", function (event) {
      var card = dragged;
      clearTargets();
      if (!card || !accepts(column, card)) {
        return;
      }
      event.preventDefault();
      var field = decisionField(card);
      var form = field.form;
      var comment = form.querySelector('input[name="comment"]');
      field.value = column.dataset.status;
      var rejecting = field.value === board.dataset.rejected;
      if (comment) {
        comment.required = rejecting;
      }
      if (rejecting && comment && !comment.value.trim()) {
        comment.focus();
        say(board.dataset.reasonNeeded.replace("{name}", card.dataset.name || ""));
        return;
      }
      say(board.dataset.moving.replace("{name}", card.dataset.name || ""));
      form.requestSubmit();
    });
  });
})();
