"""Helpers of scripts/docs.sh, which builds the collection's docs site.

    python3 scripts/docsite.py inventory FILE    # the Sphinx inventory of the Ansible docs pages the site links to
    python3 scripts/docsite.py links HTML_DIR     # every local link and anchor of the built site resolves
    python3 scripts/docsite.py browser HTML_DIR   # the index and a guide render in headless Chromium, the picture shown

The site is built offline, so intersphinx cannot fetch the Ansible docs' inventory: the first
command writes one with just the labels the generated pages refer to, pointing at their pages
on docs.ansible.com (a label missing here fails the build, as Sphinx warns about it).
"""

import html.parser
import os
import sys
import urllib.parse
import zlib

# label: (page below https://docs.ansible.com/projects/ansible/devel/, anchor, title)
ANSIBLE_LABELS = {
    'ansible_configuration_settings': ('reference_appendices/config.html', 'ansible-configuration-settings', 'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html', 'common-return-values', 'Return Values'),
}
BUILTIN_MODULES = ('command', 'copy', 'setup', 'template', 'uri', 'wait_for')


def inventory(path):
    entries = dict(ANSIBLE_LABELS)
    for name in BUILTIN_MODULES:
        label = 'ansible_collections.ansible.builtin.%s_module' % name
        entries[label] = ('collections/ansible/builtin/%s_module.html' % name, '', 'ansible.builtin.%s module' % name)
    body = ''.join('%s std:label -1 %s%s %s\n' % (label, page, '#' + anchor if anchor else '', title)
                   for label, (page, anchor, title) in sorted(entries.items()))
    with open(path, 'wb') as f:
        f.write(b'# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n'
                b'# The remainder of this file is compressed using zlib.\n')
        f.write(zlib.compress(body.encode('utf-8')))


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.refs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ('id', 'name'):
            if attrs.get(key) and (key == 'id' or tag == 'a'):
                self.ids.add(attrs[key])
        for key in ('href', 'src'):
            if attrs.get(key):
                self.refs.append((tag, attrs[key]))


def links(root):
    pages = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.endswith('.html'):
                path = os.path.join(folder, name)
                page = Page()
                with open(path, encoding='utf-8') as f:
                    page.feed(f.read())
                pages[os.path.normpath(path)] = page
    broken = []
    checked = 0
    for path, page in sorted(pages.items()):
        for tag, ref in page.refs:
            parts = urllib.parse.urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith('mailto:'):
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(parts.path))) if parts.path else path
            checked += 1
            if not os.path.exists(target):
                broken.append('%s: <%s> %s: no such file' % (os.path.relpath(path, root), tag, ref))
            elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
                broken.append('%s: <%s> %s: no such anchor' % (os.path.relpath(path, root), tag, ref))
    print('%d local links and anchors checked in %d pages, %d broken' % (checked, len(pages), len(broken)))
    for line in broken:
        print('  ' + line)
    return 1 if broken else 0


def browser(root):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    options = webdriver.ChromeOptions()
    for argument in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'):
        options.add_argument(argument)
    options.binary_location = '/usr/bin/chromium'
    driver = webdriver.Chrome(service=Service('/usr/bin/chromedriver'), options=options)
    problems = []
    try:
        index = os.path.join(os.path.abspath(root), 'collections', 'netns', 'systemd', 'index.html')
        driver.get('file://' + index)
        heading = driver.find_element(By.TAG_NAME, 'h1').text
        guides = [a.get_attribute('href') for a in driver.find_elements(By.CSS_SELECTOR, 'a') if 'guide_recipes' in (a.get_attribute('href') or '')]
        modules = [a for a in driver.find_elements(By.CSS_SELECTOR, 'a') if 'netns_chain_module' in (a.get_attribute('href') or '')]
        print('index: %r, %d links to the recipes, %d to netns_chain' % (heading, len(guides), len(modules)))
        if 'netns.systemd' not in heading.lower() or not guides or not modules:
            problems.append('the index does not render its title and links to the guides and modules')
        if guides:
            driver.get(guides[0])
            heading = driver.find_element(By.TAG_NAME, 'h1').text
            shown = driver.execute_script(
                "return Array.from(document.images).filter(i => i.src.endsWith('demo-host.svg'))"
                ".map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width, i.getBoundingClientRect().height])")
            print('guide: %r, the picture: %s' % (heading, shown))
            if 'Recipes' not in heading:
                problems.append('the recipes guide does not render its title')
            if not shown or not all(done and natural > 0 and width > 0 and height > 0 for done, natural, width, height in shown):
                problems.append('the picture (demo-host.svg) is not shown in the recipes guide')
    finally:
        driver.quit()
    for line in problems:
        print('  ' + line)
    return 1 if problems else 0


def main():
    command, argument = sys.argv[1], sys.argv[2]
    if command == 'inventory':
        inventory(argument)
        return 0
    return {'links': links, 'browser': browser}[command](argument)


if __name__ == '__main__':
    sys.exit(main())
