// The document form: a multi-person field gets one more input on demand (without JavaScript,
// an empty input is always there and a saved one adds the next).
(function () {
  document.querySelectorAll("[data-add-person]").forEach((button) => {
    const box = button.previousElementSibling;
    button.hidden = false;
    button.addEventListener("click", () => {
      const inputs = box.querySelectorAll("input");
      const last = inputs[inputs.length - 1];
      const copy = last.cloneNode(false);
      copy.value = "";
      copy.removeAttribute("id");
      copy.setAttribute("aria-label", last.getAttribute("aria-label"));
      box.appendChild(copy);
      copy.focus();
    });
  });
})();
