// "Copy" buttons: <button data-copy="#element-id"> copies that element's value. A static
// script, because the Content-Security-Policy allows no inline handlers.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  const source = button && document.querySelector(button.dataset.copy);
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.value);
  }
});
